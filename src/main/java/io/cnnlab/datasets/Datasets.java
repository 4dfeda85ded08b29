package io.cnnlab.datasets;

import io.cnnlab.CnnProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;

/**
 * The data sets a job can train on: the built-in CIFAR-10 ({@code cifar10}) and users' image-folder sets, uploaded
 * as a zip or tar.gz or registered from a server-side folder under {@code cnn.datasets.roots}. An import is built in
 * a folder of its own and appears whole or not at all ({@link DatasetFolders}); its row is written once its files
 * are in place.
 */
@Component
public class Datasets {

    public static final String CIFAR10 = "cifar10";
    private static final Logger log = LoggerFactory.getLogger(Datasets.class);
    private static final double DEFAULT_TEST_FRACTION = 0.2;

    /** Which jobs use a data set; a set in use is not deleted. The jobs side provides the bean that answers. */
    public interface Usage {

        /** Ids of the queued or running jobs that read {@code datasetId}; empty when none does. */
        List<String> jobsUsing(String datasetId);
    }

    /** A data set's images for training and testing, labels indexing {@code classes}. */
    public record Splits(List<String> classes, LabelledImages train, LabelledImages test) {
    }

    /** One page of data sets and how many there are in all. */
    public record Listing(List<Dataset> items, long total) {
    }

    private final DatasetProperties properties;
    private final DatasetStore store;
    private final DatasetFolders folders;
    private final ImageDecoder decoder;
    private final Clock clock;
    private final ObjectProvider<Usage> usage;
    private final TrainingData cifar10;
    private final Semaphore imports;

    Datasets(CnnProperties cnn, DatasetProperties properties, JdbcClient jdbc, Clock clock, ObjectProvider<Usage> usage,
             TrainingData cifar10) {
        this.properties = properties;
        this.store = new DatasetStore(jdbc);
        this.folders = new DatasetFolders(cnn.home().resolve("datasets"));
        this.decoder = new ImageDecoder(properties.maxPixels());
        this.clock = clock;
        this.usage = usage;
        this.cifar10 = cifar10;
        this.imports = new Semaphore(properties.maxConcurrentImports());
    }

    /** Imports a zip or tar.gz read from {@code body}, streamed to disk first (at most cnn.datasets.max-upload-bytes). */
    public Dataset importArchive(InputStream body, String name, Double testFraction) {
        double fraction = checkedFraction(testFraction);
        String id = UUID.randomUUID().toString();
        String label = checkedName(name, "dataset-" + id.substring(0, 8));
        return importing(id, work -> {
            Path upload = work.resolve("upload.bin");
            String sha256 = spool(body, upload);
            try (DatasetBuilder builder = new DatasetBuilder(work, decoder, properties)) {
                new ArchiveReader(properties).read(upload, builder);
                Files.delete(upload);
                return publish(id, label, "upload", sha256, builder.finish(id, label, fraction, properties.splitSeed()), work);
            }
        });
    }

    /** Registers the images of a server-side folder, which must lie under one of {@code cnn.datasets.roots}. */
    public Dataset registerFolder(String name, String path, Double testFraction) {
        double fraction = checkedFraction(testFraction);
        if (properties.roots().isEmpty()) {
            throw new DatasetRefusedException(DatasetRefusedException.Reason.FOLDERS_DISABLED,
                    "registering server-side folders is switched off: cnn.datasets.roots names no folder");
        }
        Path requested;
        try {
            requested = path == null || path.isBlank() ? null : Path.of(path);
        } catch (InvalidPathException e) {
            requested = null;
        }
        if (requested == null || !requested.isAbsolute()) {
            throw new DatasetRefusedException(DatasetRefusedException.Reason.INVALID_REQUEST,
                    "path must be an absolute path to a folder under cnn.datasets.roots");
        }
        Path normal = requested.normalize();
        Path root = properties.roots().stream().map(r -> r.toAbsolutePath().normalize()).filter(normal::startsWith)
                .findFirst().orElseThrow(() -> outsideRoots(path));
        Path real;
        Path rootReal;
        try {
            rootReal = root.toRealPath();
            real = normal.toRealPath();
        } catch (NoSuchFileException e) {
            throw new DatasetRefusedException(DatasetRefusedException.Reason.INVALID_REQUEST, "no folder " + path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!real.startsWith(rootReal)) {
            throw outsideRoots(path);
        }
        if (!Files.isDirectory(real)) {
            throw new DatasetRefusedException(DatasetRefusedException.Reason.INVALID_REQUEST, path + " is not a folder");
        }
        String id = UUID.randomUUID().toString();
        String label = checkedName(name, real.getFileName() == null ? "dataset-" + id.substring(0, 8) : real.getFileName().toString());
        return importing(id, work -> {
            try (DatasetBuilder builder = new DatasetBuilder(work, decoder, properties)) {
                new FolderReader(properties).read(real, rootReal, builder);
                DatasetBuilder.Built built = builder.finish(id, label, fraction, properties.splitSeed());
                return publish(id, label, "folder", built.contentSha256(), built, work);
            }
        });
    }

    public Dataset get(String id) {
        if (CIFAR10.equals(id)) {
            return builtIn();
        }
        return store.find(id).orElseThrow(() -> new DatasetNotFoundException(id));
    }

    /** The built-in set first, then users' sets newest first. */
    public Listing list(int page, int size) {
        long start = (long) page * size;
        List<Dataset> items = new ArrayList<>(size);
        if (start == 0) {
            items.add(builtIn());
            items.addAll(store.page(0, size - 1));
        } else {
            items.addAll(store.page(start - 1, size));
        }
        return new Listing(items, store.count() + 1);
    }

    public void delete(String id) {
        if (CIFAR10.equals(id)) {
            throw new DatasetConflictException("the built-in data set cifar10 cannot be deleted");
        }
        get(id);
        List<String> jobs = usage.orderedStream().flatMap(u -> u.jobsUsing(id).stream()).distinct().toList();
        if (!jobs.isEmpty()) {
            throw new DatasetConflictException("data set %s is used by %d queued or running job(s) (%s); cancel them or "
                    .formatted(id, jobs.size(), String.join(", ", jobs)) + "wait until they finish, then delete it");
        }
        if (store.delete(id)) {
            folders.remove(folders.of(id));
        }
    }

    /** The images of a data set, for training and evaluation. */
    public Splits load(String id) {
        if (CIFAR10.equals(id)) {
            Cifar10 set = cifar10.cifar10();
            return new Splits(set.classes(), set.train(), set.test());
        }
        Dataset dataset = get(id);
        Path dir = folders.of(id);
        return new Splits(dataset.classes(), DatasetRecords.read(dir.resolve(DatasetRecords.TRAIN_FILE), dataset.classes()),
                DatasetRecords.read(dir.resolve(DatasetRecords.TEST_FILE), dataset.classes()));
    }

    @EventListener(ApplicationReadyEvent.class)
    void sweepAtStart() {
        int swept = folders.sweep(store.ids(), properties.leftoverAge(), clock.instant());
        if (swept > 0) {
            log.info("removed {} leftover data set folder(s) of imports that did not finish", swept);
        }
    }

    /** For tests: the folder users' sets live in. */
    Path root() {
        return folders.root();
    }

    private interface Import {
        Dataset build(Path work) throws IOException;
    }

    private Dataset importing(String id, Import build) {
        if (!imports.tryAcquire()) {
            throw new DatasetBusyException(properties.maxConcurrentImports());
        }
        Path work = null;
        try {
            work = folders.startImport(id);
            return build.build(work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (work != null) {
                folders.remove(work);
            }
            imports.release();
        }
    }

    private Dataset publish(String id, String name, String source, String sha256, DatasetBuilder.Built built, Path work)
            throws IOException {
        Dataset dataset = new Dataset(id, name, source, built.classes(), built.counts(), built.images(), built.split(),
                built.testFraction(), built.rejected(), built.rejectedCount(), sha256,
                // what the database keeps, so the answer and a later GET agree
                clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        Path published = folders.publish(work, id);
        try {
            store.insert(dataset);
        } catch (RuntimeException e) {
            folders.remove(published);
            throw e;
        }
        log.info("data set {} ('{}'): {} images of {} classes, {} rejected", id, name, built.images(),
                built.classes().size(), built.rejectedCount());
        return dataset;
    }

    /** Copies the body to {@code target}, refusing it past the upload limit; returns the sha256 of its bytes. */
    private String spool(InputStream body, Path target) throws IOException {
        long max = properties.maxUploadBytes().toBytes();
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(target), sha256)) {
            byte[] buffer = new byte[1 << 16];
            long total = 0;
            for (int n = read(body, buffer); n >= 0; n = read(body, buffer)) {
                total += n;
                if (total > max) {
                    throw new DatasetRefusedException(DatasetRefusedException.Reason.TOO_LARGE,
                            "the upload is larger than %,d bytes (cnn.datasets.max-upload-bytes)".formatted(max));
                }
                out.write(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    /** A body that breaks off (the client went away, a cut connection) is the client's problem, not a 500. */
    private static int read(InputStream body, byte[] buffer) {
        try {
            return body.read(buffer);
        } catch (IOException e) {
            throw new DatasetRefusedException(DatasetRefusedException.Reason.INVALID_REQUEST,
                    "the upload broke off before its end: " + e.getMessage());
        }
    }

    private static double checkedFraction(Double testFraction) {
        double fraction = testFraction == null ? DEFAULT_TEST_FRACTION : testFraction;
        if (!(fraction >= 0 && fraction <= DatasetProperties.MAX_TEST_FRACTION)) {
            throw new DatasetRefusedException(DatasetRefusedException.Reason.INVALID_REQUEST,
                    "testFraction must be between 0 and %s, was %s".formatted(DatasetProperties.MAX_TEST_FRACTION, testFraction));
        }
        return fraction;
    }

    private static String checkedName(String name, String fallback) {
        String chosen = name == null || name.isBlank() ? fallback : name.strip();
        if (chosen.length() > 200 || chosen.chars().anyMatch(Character::isISOControl)) {
            throw new DatasetRefusedException(DatasetRefusedException.Reason.INVALID_REQUEST,
                    "name must be at most 200 characters without control characters");
        }
        return chosen;
    }

    private static DatasetRefusedException outsideRoots(String path) {
        return new DatasetRefusedException(DatasetRefusedException.Reason.OUTSIDE_ROOTS,
                "%s is not under any folder of cnn.datasets.roots".formatted(EntryPaths.printable(path)));
    }

    private static Dataset builtIn() {
        Map<String, Dataset.SplitCounts> counts = new LinkedHashMap<>();
        Cifar10.CLASSES.forEach(c -> counts.put(c, new Dataset.SplitCounts(5000, 1000)));
        return new Dataset(CIFAR10, "CIFAR-10", Dataset.BUILTIN, Cifar10.CLASSES, counts, 60_000, Dataset.BUILTIN, null,
                List.of(), 0, null, null);
    }
}
