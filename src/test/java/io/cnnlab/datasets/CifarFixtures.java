package io.cnnlab.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Generates small, learnable CIFAR-10-format data: class k is a sine grating with its own orientation, frequency
 * and colour channel, plus noise. Tests never read the real data set.
 */
public final class CifarFixtures {

    private CifarFixtures() {
    }

    /** One record: label byte, then R, G, B planes of 32x32. */
    public static byte[] record(int label, Random random) {
        byte[] record = new byte[Cifar10.RECORD_BYTES];
        record[0] = (byte) label;
        double angle = Math.PI * (label % 5) / 5;
        double frequency = 2 + label / 5 * 2;
        int channel = label % 3;
        double phase = random.nextDouble() * 2 * Math.PI;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    double wave = Math.sin(2 * Math.PI * frequency * (x * Math.cos(angle) + y * Math.sin(angle)) / 32 + phase);
                    double value = 110 + (c == channel ? 80 * wave : 20 * wave) + random.nextGaussian() * 10;
                    record[1 + c * 1024 + y * 32 + x] = (byte) Math.max(0, Math.min(255, Math.round(value)));
                }
            }
        }
        return record;
    }

    public static LabelledImages images(int count, long seed) {
        Random random = new Random(seed);
        byte[] pixels = new byte[count * 3072];
        short[] labels = new short[count];
        for (int i = 0; i < count; i++) {
            byte[] record = record(i % 10, random);
            labels[i] = record[0];
            System.arraycopy(record, 1, pixels, i * 3072, 3072);
        }
        return new LabelledImages(pixels, labels, 3, 32, 32, Cifar10.CLASSES);
    }

    /** Writes a complete CIFAR-10 directory with {@code perFile} records in each of the six batch files. */
    public static Path writeDirectory(Path dir, int perFile, long seed) {
        try {
            Files.createDirectories(dir);
            Random random = new Random(seed);
            for (String name : List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                    "data_batch_5.bin", "test_batch.bin")) {
                byte[] file = new byte[perFile * Cifar10.RECORD_BYTES];
                for (int i = 0; i < perFile; i++) {
                    System.arraycopy(record(i % 10, random), 0, file, i * Cifar10.RECORD_BYTES, Cifar10.RECORD_BYTES);
                }
                Files.write(dir.resolve(name), file);
            }
            Files.writeString(dir.resolve("batches.meta.txt"), String.join("\n", Cifar10.CLASSES) + "\n\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
