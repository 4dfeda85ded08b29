package io.cnnlab.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the CIFAR-10 binary layout ({@code cifar-10-batches-bin}) from a directory. */
public final class Cifar10Reader {

    private Cifar10Reader() {
    }

    /** True when every file of the set is present in {@code dir} (not checked for content). */
    public static boolean isComplete(Path dir) {
        List<String> files = new ArrayList<>(Cifar10.TRAIN_FILES);
        files.add(Cifar10.TEST_FILE);
        return files.stream().allMatch(f -> Files.isRegularFile(dir.resolve(f)));
    }

    public static Cifar10 read(Path dir) {
        List<String> classes = readClasses(dir);
        List<Path> train = Cifar10.TRAIN_FILES.stream().map(dir::resolve).toList();
        return new Cifar10(readBatches(train, classes), readBatches(List.of(dir.resolve(Cifar10.TEST_FILE)), classes));
    }

    /** Class names from {@code batches.meta.txt}, or the standard ten when the file is absent. */
    static List<String> readClasses(Path dir) {
        Path meta = dir.resolve(Cifar10.META_FILE);
        if (!Files.isRegularFile(meta)) {
            return Cifar10.CLASSES;
        }
        try {
            List<String> names = Files.readAllLines(meta).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
            if (names.size() != Cifar10.CLASSES.size()) {
                throw new DatasetUnavailableException("%s lists %d classes, CIFAR-10 has 10".formatted(meta, names.size()));
            }
            return names;
        } catch (IOException e) {
            throw new DatasetUnavailableException("cannot read " + meta + ": " + e.getMessage(), e);
        }
    }

    static LabelledImages readBatches(List<Path> files, List<String> classes) {
        long total = 0;
        for (Path file : files) {
            total += checkedRecordCount(file);
        }
        int count = Math.toIntExact(total);
        int imageBytes = Cifar10.RECORD_BYTES - 1;
        byte[] pixels = new byte[count * imageBytes];
        short[] labels = new short[count];
        int index = 0;
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                byte[] record = new byte[Cifar10.RECORD_BYTES];
                while (in.readNBytes(record, 0, record.length) == record.length) {
                    int label = Byte.toUnsignedInt(record[0]);
                    if (label >= classes.size()) {
                        throw new DatasetUnavailableException(
                                "%s: record %d has label %d, expected 0..%d".formatted(file, index, label, classes.size() - 1));
                    }
                    labels[index] = (short) label;
                    System.arraycopy(record, 1, pixels, index * imageBytes, imageBytes);
                    index++;
                }
            } catch (IOException e) {
                throw new DatasetUnavailableException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        return new LabelledImages(pixels, labels, Cifar10.CHANNELS, Cifar10.SIDE, Cifar10.SIDE, classes);
    }

    private static long checkedRecordCount(Path file) {
        try {
            long size = Files.size(file);
            if (size == 0 || size % Cifar10.RECORD_BYTES != 0) {
                throw new DatasetUnavailableException("%s is %d bytes, not a whole number of %d-byte CIFAR-10 records (truncated?)"
                        .formatted(file, size, Cifar10.RECORD_BYTES));
            }
            return size / Cifar10.RECORD_BYTES;
        } catch (NoSuchFileException e) {
            throw new DatasetUnavailableException("CIFAR-10 file missing: " + file, e);
        } catch (IOException e) {
            throw new DatasetUnavailableException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
