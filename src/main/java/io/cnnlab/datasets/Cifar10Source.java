package io.cnnlab.datasets;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds CIFAR-10 in a data directory (the batch files themselves, or a {@code cifar-10-batches-bin} folder in it) and
 * downloads it there when it is missing and downloading is allowed.
 */
final class Cifar10Source {

    static final String ARCHIVE_FOLDER = "cifar-10-batches-bin";

    private final Path dataDir;
    private final Cifar10Download download;

    /** @param download how to fetch a missing set, or {@code null} to refuse */
    public Cifar10Source(Path dataDir, Cifar10Download download) {
        this.dataDir = dataDir;
        this.download = download;
    }

    /** The directory that holds (or will hold) the batch files. */
    public Path location() {
        Path nested = dataDir.resolve(ARCHIVE_FOLDER);
        return !Cifar10Reader.isComplete(dataDir) && Cifar10Reader.isComplete(nested) ? nested : dataDir;
    }

    public boolean isAvailable() {
        return Cifar10Reader.isComplete(location());
    }

    public Cifar10 load() {
        Path dir = location();
        if (!Cifar10Reader.isComplete(dir)) {
            if (download == null) {
                throw new DatasetUnavailableException(("CIFAR-10 not found in %s: expected data_batch_1.bin .. data_batch_5.bin "
                        + "and test_batch.bin (the cifar-10-batches-bin layout). Point cnn.data-dir at a directory holding them, "
                        + "or set cnn.dataset.download=true to fetch them.").formatted(dir.toAbsolutePath()));
            }
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new DatasetUnavailableException(dir.toAbsolutePath() + " is not a directory");
            }
            download.into(dir);
        }
        return Cifar10Reader.read(dir);
    }
}
