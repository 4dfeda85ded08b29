package io.cnnlab.datasets;

import io.cnnlab.files.DurableFiles;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Builds one data set in its import folder from the files an archive or a folder hands it: each file is read (up to
 * {@code cnn.datasets.max-image-bytes}), hashed, decoded once by the service's {@link ImageDecoder} to 32x32 and its
 * pixels appended to a spool file; {@link #finish} places the images ({@link DatasetLayout}), splits them
 * ({@link StratifiedSplit}) and writes the record files and the manifest durably. Nothing but the spool and the
 * sorted list of names stays in memory.
 */
final class DatasetBuilder implements EntrySink, AutoCloseable {

    static final JsonMapper JSON = JsonMapper.builder().build();

    /** A decoded image; {@code slot} is where its pixels lie in the spool (arrival order, not name order). */
    private record Image(String name, List<String> folders, String sha256, int slot) {
    }

    /** What was built: everything the data set's metadata row needs. */
    record Built(List<String> classes, Map<String, Dataset.SplitCounts> counts, int images, String split,
                 Double testFraction, List<Dataset.Rejection> rejected, int rejectedCount, String contentSha256) {
    }

    private final Path dir;
    private final ImageDecoder decoder;
    private final DatasetProperties limits;
    private final FileChannel spool;
    private final List<Image> images = new ArrayList<>();
    private final List<Dataset.Rejection> rejected = new ArrayList<>();
    private int rejectedCount;

    DatasetBuilder(Path dir, ImageDecoder decoder, DatasetProperties limits) throws IOException {
        this.dir = dir;
        this.decoder = decoder;
        this.limits = limits;
        this.spool = FileChannel.open(dir.resolve("images.spool"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    @Override
    public void file(String name, List<String> segments, long declaredSize, InputStream content) throws IOException {
        String path = String.join("/", segments);
        if (EntryPaths.hidden(segments)) {
            reject(path, "a hidden or system file");
            return;
        }
        long max = limits.maxImageBytes().toBytes();
        if (declaredSize > max) {
            reject(path, "larger than %,d bytes (cnn.datasets.max-image-bytes)".formatted(max));
            return;
        }
        byte[] bytes = content.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        if (bytes.length > max) {
            reject(path, "larger than %,d bytes (cnn.datasets.max-image-bytes)".formatted(max));
            return;
        }
        if (EntryPaths.nestedArchive(segments.get(segments.size() - 1), bytes)) {
            reject(path, "an archive inside the archive (nested archives are not opened)");
            return;
        }
        byte[] planes;
        try {
            planes = decoder.decode(bytes);
        } catch (ImageDecoder.UnusableImageException e) {
            if (e.reason() == ImageDecoder.UnusableImageException.Reason.TOO_LARGE) {
                throw new DatasetRefusedException(DatasetRefusedException.Reason.TOO_LARGE, "'%s': %s (cnn.datasets.max-pixels); "
                        .formatted(EntryPaths.printable(path), e.getMessage()) + "nothing was imported");
            }
            reject(path, e.getMessage());
            return;
        }
        int slot = images.size();
        spool.write(ByteBuffer.wrap(planes), (long) slot * DatasetRecords.IMAGE_BYTES);
        images.add(new Image(path, segments.subList(0, segments.size() - 1), sha256(bytes), slot));
    }

    @Override
    public void reject(String name, String reason) {
        rejectedCount++;
        if (rejected.size() < limits.maxRejectedListed()) {
            rejected.add(new Dataset.Rejection(EntryPaths.printable(name), reason));
        }
    }

    /** Places, splits and writes the set; refuses one without two classes of images. */
    Built finish(String id, String name, double testFraction, long seed) throws IOException {
        images.sort(Comparator.comparing(Image::name));
        DatasetLayout.Result layout = DatasetLayout.place(images.stream().map(Image::folders).toList());
        TreeSet<String> classSet = new TreeSet<>();
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            DatasetLayout.Placement placement = layout.placements().get(i);
            if (placement.placed()) {
                classSet.add(placement.className());
                kept.add(i);
            } else {
                reject(images.get(i).name(), placement.rejection());
            }
        }
        List<String> classes = List.copyOf(classSet);
        checkIsADataset(classes, kept.size());
        int[] labels = new int[kept.size()];
        boolean[] test = new boolean[kept.size()];
        for (int k = 0; k < kept.size(); k++) {
            DatasetLayout.Placement placement = layout.placements().get(kept.get(k));
            labels[k] = classes.indexOf(placement.className());
            test[k] = DatasetLayout.TEST.equals(placement.split());
        }
        boolean archiveSplit = layout.archiveSplit() && anyTrue(test);
        if (!archiveSplit) {
            test = StratifiedSplit.testMembers(labels, classes.size(), testFraction, seed);
        }
        Map<String, Dataset.SplitCounts> counts = counts(classes, labels, test);
        List<String> trainless = counts.entrySet().stream().filter(e -> e.getValue().train() == 0).map(Map.Entry::getKey).toList();
        if (!trainless.isEmpty()) {
            throw notADataset("class(es) %s have test images but no training images".formatted(trainless));
        }
        writeRecords(DatasetRecords.TRAIN_FILE, kept, labels, test, false);
        writeRecords(DatasetRecords.TEST_FILE, kept, labels, test, true);
        String split = archiveSplit ? "archive" : "seeded";
        Double fraction = archiveSplit ? null : testFraction;
        writeManifest(id, name, classes, kept, labels, test, split, fraction, seed);
        spool.close();
        Files.delete(dir.resolve("images.spool"));
        return new Built(classes, counts, kept.size(), split, fraction, List.copyOf(rejected), rejectedCount, contentDigest(kept));
    }

    private void checkIsADataset(List<String> classes, int kept) {
        if (kept == 0) {
            throw notADataset("no usable images: expected <class>/<image> folders (optionally under train/ and test/) "
                    + "of PNG, JPEG, GIF, BMP, WebP or TIFF files; %d file(s) were rejected".formatted(rejectedCount));
        }
        if (classes.size() < 2) {
            throw notADataset("a data set needs at least two classes (class folders); this one has only '%s'"
                    .formatted(EntryPaths.printable(classes.get(0))));
        }
        if (classes.size() > limits.maxClasses()) {
            throw notADataset("%d classes; at most %d are accepted (cnn.datasets.max-classes)"
                    .formatted(classes.size(), limits.maxClasses()));
        }
    }

    private static boolean anyTrue(boolean[] values) {
        for (boolean value : values) {
            if (value) {
                return true;
            }
        }
        return false;
    }

    private static DatasetRefusedException notADataset(String message) {
        return new DatasetRefusedException(DatasetRefusedException.Reason.NOT_A_DATASET, message + "; nothing was imported");
    }

    private static Map<String, Dataset.SplitCounts> counts(List<String> classes, int[] labels, boolean[] test) {
        int[] train = new int[classes.size()];
        int[] tested = new int[classes.size()];
        for (int k = 0; k < labels.length; k++) {
            (test[k] ? tested : train)[labels[k]]++;
        }
        Map<String, Dataset.SplitCounts> counts = new LinkedHashMap<>();
        for (int c = 0; c < classes.size(); c++) {
            counts.put(classes.get(c), new Dataset.SplitCounts(train[c], tested[c]));
        }
        return counts;
    }

    private void writeRecords(String file, List<Integer> kept, int[] labels, boolean[] test, boolean testSplit) throws IOException {
        DurableFiles.write(dir.resolve(file), out -> {
            byte[] record = new byte[DatasetRecords.RECORD_BYTES];
            ByteBuffer pixels = ByteBuffer.wrap(record, DatasetRecords.LABEL_BYTES, DatasetRecords.IMAGE_BYTES);
            for (int k = 0; k < kept.size(); k++) {
                if (test[k] != testSplit) {
                    continue;
                }
                DatasetRecords.label(record, labels[k]);
                pixels.clear().position(DatasetRecords.LABEL_BYTES);
                // the images were sorted by name; their pixels stay where they arrived
                long at = (long) images.get(kept.get(k)).slot() * DatasetRecords.IMAGE_BYTES;
                while (pixels.hasRemaining()) {
                    if (spool.read(pixels, at + pixels.position() - DatasetRecords.LABEL_BYTES) < 0) {
                        throw new IOException("the image spool ended early");
                    }
                }
                out.write(record);
            }
        });
    }

    private void writeManifest(String id, String name, List<String> classes, List<Integer> kept, int[] labels,
                               boolean[] test, String split, Double testFraction, long seed) throws IOException {
        List<Map<String, Object>> entries = new ArrayList<>(kept.size());
        for (boolean testSplit : new boolean[]{false, true}) {
            for (int k = 0; k < kept.size(); k++) {
                if (test[k] == testSplit) {
                    Image image = images.get(kept.get(k));
                    entries.add(Map.of("file", image.name(), "label", labels[k],
                            "split", testSplit ? DatasetLayout.TEST : DatasetLayout.TRAIN, "sha256", image.sha256()));
                }
            }
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format", 1);
        manifest.put("id", id);
        manifest.put("name", name);
        manifest.put("classes", classes);
        manifest.put("record", Map.of("labelBytes", DatasetRecords.LABEL_BYTES, "labelOrder", "big-endian",
                "imageBytes", DatasetRecords.IMAGE_BYTES, "imageLayout", "32x32, planes R, G, B, each row-major"));
        manifest.put("files", Map.of(DatasetLayout.TRAIN, DatasetRecords.TRAIN_FILE, DatasetLayout.TEST, DatasetRecords.TEST_FILE));
        manifest.put("split", split);
        if (testFraction != null) {
            manifest.put("testFraction", testFraction);
            manifest.put("seed", seed);
        }
        manifest.put("images", entries);
        // Jackson closes the stream it writes to; the durable write still has to fsync it
        DurableFiles.write(dir.resolve(DatasetRecords.MANIFEST), out -> JSON.writeValue(new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        }, manifest));
    }

    /** A folder's digest: sha256 over its sorted image names and their file digests (an upload's is its bytes'). */
    private String contentDigest(List<Integer> kept) {
        MessageDigest digest = sha256Digest();
        for (int k : kept) {
            Image image = images.get(k);
            digest.update((image.name() + "\0" + image.sha256() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256Digest().digest(bytes));
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            spool.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
