package io.cnnlab.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How a user's data set is stored under {@code cnn.home/datasets/<id>/}: {@code train.bin} and {@code test.bin} of
 * fixed-size records, each a 2-byte big-endian label (up to 1,000 classes, so one byte is not enough) then the 32x32
 * image as 1024 red, 1024 green and 1024 blue bytes (CIFAR-10's pixel layout), and {@code manifest.json} with the
 * labels and every image's source file, split and sha256.
 */
final class DatasetRecords {

    static final int LABEL_BYTES = 2;
    static final int IMAGE_BYTES = Cifar10.CHANNELS * Cifar10.SIDE * Cifar10.SIDE;
    static final int RECORD_BYTES = LABEL_BYTES + IMAGE_BYTES;
    static final String TRAIN_FILE = "train.bin";
    static final String TEST_FILE = "test.bin";
    static final String MANIFEST = "manifest.json";

    private DatasetRecords() {
    }

    static void label(byte[] record, int label) {
        record[0] = (byte) (label >>> 8);
        record[1] = (byte) label;
    }

    /** One split's images with their labels. */
    static LabelledImages read(Path file, List<String> classes) {
        try {
            long size = Files.size(file);
            if (size % RECORD_BYTES != 0) {
                throw new DatasetUnavailableException("%s is %d bytes, not whole %d-byte records".formatted(file, size, RECORD_BYTES));
            }
            int count = Math.toIntExact(size / RECORD_BYTES);
            byte[] pixels = new byte[Math.multiplyExact(count, IMAGE_BYTES)];
            short[] labels = new short[count];
            byte[] record = new byte[RECORD_BYTES];
            try (InputStream in = Files.newInputStream(file)) {
                for (int i = 0; i < count; i++) {
                    if (in.readNBytes(record, 0, RECORD_BYTES) != RECORD_BYTES) {
                        throw new DatasetUnavailableException(file + " ended early");
                    }
                    int label = ((record[0] & 0xFF) << 8) | (record[1] & 0xFF);
                    if (label >= classes.size()) {
                        throw new DatasetUnavailableException("%s: record %d has label %d of %d classes".formatted(file, i, label, classes.size()));
                    }
                    labels[i] = (short) label;
                    System.arraycopy(record, LABEL_BYTES, pixels, i * IMAGE_BYTES, IMAGE_BYTES);
                }
            }
            return new LabelledImages(pixels, labels, Cifar10.CHANNELS, Cifar10.SIDE, Cifar10.SIDE, classes);
        } catch (IOException e) {
            throw new DatasetUnavailableException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
