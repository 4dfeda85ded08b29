package io.cnnlab.datasets;

import java.util.List;

/**
 * The CIFAR-10 training and test sets.
 *
 * @param train the 50,000 training images (5 batches)
 * @param test  the 10,000 test images
 */
public record Cifar10(LabelledImages train, LabelledImages test) {

    public static final List<String> CLASSES = List.of(
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    public static final List<String> TRAIN_FILES = List.of(
            "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");

    public static final String TEST_FILE = "test_batch.bin";

    public static final String META_FILE = "batches.meta.txt";

    public static final int SIDE = 32;

    public static final int CHANNELS = 3;

    /** Bytes of one record: the label, then 1024 red, 1024 green and 1024 blue pixels. */
    public static final int RECORD_BYTES = 1 + CHANNELS * SIDE * SIDE;

    public Cifar10 {
        if (!train.classes().equals(test.classes())) {
            throw new IllegalArgumentException("train and test classes differ");
        }
    }

    public List<String> classes() {
        return train.classes();
    }
}
