package io.cnnlab.datasets;

import io.cnnlab.CnnProperties;
import io.cnnlab.jobs.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.util.unit.DataSize;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The data sets without HTTP, on both databases the service runs on: what is stored reads back as the decoder made
 * it, folders are registered only under the roots, and what a crash leaves is swept at start but nothing listed is.
 */
class DatasetsTest {

    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    @TempDir
    Path home;

    static DatasetProperties limits(List<Path> roots, Duration leftoverAge) {
        return new DatasetProperties(roots, DataSize.ofMegabytes(8), DataSize.ofMegabytes(16), 1000, DataSize.ofMegabytes(1),
                1_000_000, 1000, 100, 2, 42, leftoverAge);
    }

    private Datasets datasets(JdbcClient jdbc, DatasetProperties limits) {
        CnnProperties cnn = new CnnProperties(home, home.resolve("no-cifar"),
                new CnnProperties.Dataset(false, URI.create("http://localhost/none"), "0"));
        return new Datasets(cnn, limits, jdbc, Clock.fixed(NOW, ZoneOffset.UTC),
                new DefaultListableBeanFactory().getBeanProvider(Datasets.Usage.class),
                new TrainingData(new Cifar10Source(cnn.dataDir(), null)));
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void anImportReadsBackAsTheDecoderMadeItOnBothDatabases(TestDatabase database) {
        Datasets datasets = datasets(database.create(), limits(List.of(), Duration.ZERO));
        Map<String, byte[]> files = DatasetArchives.shapes("", 3, "png");

        Dataset set = datasets.importArchive(new ByteArrayInputStream(DatasetArchives.zip(files)), "shapes", 0.0);

        assertThat(datasets.get(set.id())).isEqualTo(set);
        assertThat(set.createdAt()).isEqualTo(NOW);
        Datasets.Splits splits = datasets.load(set.id());
        assertThat(splits.classes()).containsExactly("circle", "square", "triangle");
        assertThat(splits.train().size()).isEqualTo(9);
        assertThat(splits.test().size()).isZero();
        ImageDecoder decoder = new ImageDecoder(1_000_000);
        // records are in name order: circle-0..2, square-0..2, triangle-0..2
        int index = 0;
        for (var file : files.entrySet()) {
            byte[] expected = decoder.decode(file.getValue());
            byte[] stored = Arrays.copyOfRange(splits.train().pixels(), index * 3072, (index + 1) * 3072);
            assertThat(stored).as(file.getKey()).isEqualTo(expected);
            assertThat(splits.train().label(index)).as(file.getKey()).isEqualTo(index / 3);
            index++;
        }

        Datasets.Listing listing = datasets.list(0, 10);
        assertThat(listing.total()).isEqualTo(2);
        assertThat(listing.items()).extracting(Dataset::id).containsExactly("cifar10", set.id());
        datasets.delete(set.id());
        assertThat(datasets.list(0, 10).total()).isEqualTo(1);
        assertThat(home.resolve("datasets")).isEmptyDirectory();
    }

    /**
     * An archive lists its entries in whatever order its maker walked the folders ({@code zip -r} follows the file
     * system): the stored records must still pair each image with its own label and split. Regression: records were
     * written by name order while the pixels lay in arrival order, so a reversed archive crossed images over classes
     * and splits.
     */
    @Test
    void anArchiveInAnyEntryOrderKeepsEachImageWithItsLabelAndSplit() {
        Datasets datasets = datasets(TestDatabase.H2.create(), limits(List.of(), Duration.ZERO));
        Map<String, byte[]> files = new java.util.LinkedHashMap<>(DatasetArchives.shapes("train/", 3, "png"));
        DatasetArchives.shapes("test/", 2, "png").forEach((name, bytes) -> files.put(name, bytes));
        List<String> names = new java.util.ArrayList<>(files.keySet());
        java.util.Collections.reverse(names);
        Map<String, byte[]> reversed = new java.util.LinkedHashMap<>();
        names.forEach(name -> reversed.put(name, files.get(name)));

        Dataset set = datasets.importArchive(new ByteArrayInputStream(DatasetArchives.zip(reversed)), "reversed", null);

        assertThat(set.split()).isEqualTo("archive");
        Datasets.Splits splits = datasets.load(set.id());
        ImageDecoder decoder = new ImageDecoder(1_000_000);
        for (String split : List.of("train/", "test/")) {
            LabelledImages stored = split.equals("train/") ? splits.train() : splits.test();
            List<String> sorted = files.keySet().stream().filter(n -> n.startsWith(split)).sorted().toList();
            assertThat(stored.size()).isEqualTo(sorted.size());
            for (int i = 0; i < sorted.size(); i++) {
                String name = sorted.get(i);
                String shape = name.substring(split.length(), name.indexOf('/', split.length()));
                assertThat(Arrays.copyOfRange(stored.pixels(), i * 3072, (i + 1) * 3072)).as(name)
                        .isEqualTo(decoder.decode(files.get(name)));
                assertThat(stored.label(i)).as(name).isEqualTo(DatasetArchives.SHAPES.indexOf(shape));
            }
        }
    }

    @Test
    void folderRegistrationIsOffWithoutRoots() {
        Datasets datasets = datasets(TestDatabase.H2.create(), limits(List.of(), Duration.ZERO));
        assertThatThrownBy(() -> datasets.registerFolder(null, home.toString(), null))
                .isInstanceOfSatisfying(DatasetRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(DatasetRefusedException.Reason.FOLDERS_DISABLED));
    }

    @Test
    void aLinkInsideARegisteredFolderThatLeadsOutRefusesIt() throws Exception {
        Path root = Files.createDirectories(home.resolve("root"));
        Path folder = root.resolve("set");
        for (var file : DatasetArchives.shapes("", 2, "png").entrySet()) {
            Files.createDirectories(folder.resolve(file.getKey()).getParent());
            Files.write(folder.resolve(file.getKey()), file.getValue());
        }
        Path secret = Files.write(home.resolve("secret.png"), DatasetArchives.encode(DatasetArchives.shape("circle", 40, 9), "png"));
        Files.createSymbolicLink(folder.resolve("circle/secret.png"), secret);
        JdbcClient jdbc = TestDatabase.H2.create();
        Datasets datasets = datasets(jdbc, limits(List.of(root), Duration.ZERO));

        assertThatThrownBy(() -> datasets.registerFolder(null, folder.toString(), null))
                .isInstanceOfSatisfying(DatasetRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(DatasetRefusedException.Reason.OUTSIDE_ROOTS));
        assertThat(datasets.list(0, 10).total()).isEqualTo(1);
        assertThat(home.resolve("datasets")).isEmptyDirectory();

        Files.delete(folder.resolve("circle/secret.png"));
        Files.createSymbolicLink(folder.resolve("circle/inside.png"), folder.resolve("circle/circle-0.png"));
        Dataset set = datasets.registerFolder("linked", folder.toString(), 0.5);
        // three circles (one a link to another inside the folder): round(1.5) = 2 for testing
        assertThat(set.counts().get("circle")).isEqualTo(new Dataset.SplitCounts(1, 2));
        assertThat(set.counts().get("square")).isEqualTo(new Dataset.SplitCounts(1, 1));
    }

    @Test
    void whatACrashLeavesIsSweptAtStartAndNothingListedIs() throws Exception {
        JdbcClient jdbc = TestDatabase.H2.create();
        Datasets datasets = datasets(jdbc, limits(List.of(), Duration.ofMinutes(15)));
        Dataset kept = datasets.importArchive(new ByteArrayInputStream(DatasetArchives.zip(DatasetArchives.shapes("", 2, "png"))), null, null);
        Path root = home.resolve("datasets");
        Path halfImported = Files.createDirectories(root.resolve(".import-crashed"));
        Files.write(halfImported.resolve("images.spool"), new byte[3072]);
        Path unlisted = Files.createDirectories(root.resolve("0f0f0f0f-renamed-but-no-row"));
        Path halfDeleted = Files.createDirectories(root.resolve(".deleted-gone"));
        Path young = Files.createDirectories(root.resolve(".import-still-running"));
        FileTime old = FileTime.from(NOW.minus(Duration.ofHours(1)));
        for (Path leftover : List.of(halfImported, unlisted, halfDeleted, root.resolve(kept.id()))) {
            Files.setLastModifiedTime(leftover, old);
        }
        Files.setLastModifiedTime(young, FileTime.from(NOW.minus(Duration.ofMinutes(1))));

        datasets.sweepAtStart();

        try (Stream<Path> left = Files.list(root)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(kept.id(), ".import-still-running");
        }
        // two images per class: round(2 x 0.2) = 0 for testing
        assertThat(datasets.load(kept.id()).train().size()).isEqualTo(6);
    }

    @Test
    void theSplitIsStratifiedAndTheSameForTheSameSeed() {
        int[] labels = new int[30];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 3;
        }
        boolean[] first = StratifiedSplit.testMembers(labels, 3, 0.2, 7);
        assertThat(StratifiedSplit.testMembers(labels, 3, 0.2, 7)).isEqualTo(first);
        assertThat(StratifiedSplit.testMembers(labels, 3, 0.2, 8)).isNotEqualTo(first);
        int[] perClass = new int[3];
        for (int i = 0; i < labels.length; i++) {
            if (first[i]) {
                perClass[labels[i]]++;
            }
        }
        assertThat(perClass).containsExactly(2, 2, 2);
        assertThat(StratifiedSplit.testMembers(new int[]{0, 1}, 2, 0.9, 1)).containsExactly(false, false);
    }

    @Test
    void theLayoutDropsSharedFoldersAndRejectsImagesOutOfPlace() {
        DatasetLayout.Result plain = DatasetLayout.place(List.of(List.of("set", "cat"), List.of("set", "dog"), List.of("set")));
        assertThat(plain.archiveSplit()).isFalse();
        // one image directly in set/ keeps set/ from being a wrapper: set is its class, the others are too deep
        assertThat(plain.placements()).extracting(DatasetLayout.Placement::className).containsExactly(null, null, "set");

        DatasetLayout.Result wrapped = DatasetLayout.place(List.of(List.of("set", "cat"), List.of("set", "dog")));
        assertThat(wrapped.placements()).extracting(DatasetLayout.Placement::className).containsExactly("cat", "dog");

        DatasetLayout.Result split = DatasetLayout.place(List.of(List.of("a", "b", "TRAIN", "cat"), List.of("a", "b", "test", "dog"),
                List.of("a", "b", "extra", "dog")));
        assertThat(split.archiveSplit()).isTrue();
        assertThat(split.placements().get(0)).isEqualTo(new DatasetLayout.Placement("train", "cat", null));
        assertThat(split.placements().get(1)).isEqualTo(new DatasetLayout.Placement("test", "dog", null));
        assertThat(split.placements().get(2).placed()).isFalse();

        DatasetLayout.Result deep = DatasetLayout.place(List.of(List.of("cat"), List.of("dog", "puppies")));
        assertThat(deep.placements().get(1).rejection()).contains("nested deeper");
    }

    @Test
    void entryNamesThatClimbOutAreRefused() {
        assertThat(EntryPaths.segments("./a//b/./c.png")).containsExactly("a", "b", "c.png");
        for (String name : List.of("../x.png", "a/../../x.png", "/etc/passwd", "\\\\server\\share\\x.png", "C:/x.png", "a\\..\\x.png")) {
            assertThatThrownBy(() -> EntryPaths.segments(name)).as(name)
                    .isInstanceOfSatisfying(DatasetRefusedException.class,
                            e -> assertThat(e.reason()).isEqualTo(DatasetRefusedException.Reason.UNSAFE_ENTRY));
        }
    }
}
