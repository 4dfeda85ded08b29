package io.cnnlab.datasets;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * Cuts a data set into network batches. Training batch {@code i} of epoch {@code e} is a pure function of the seed,
 * {@code e} and {@code i} (shuffle order and augmentation included), so a run resumed at any step sees exactly the
 * batches it would have seen without stopping.
 */
public final class BatchSource {

    private final LabelledImages data;
    private final int batchSize;
    private final Augmentation augmentation;
    private final long seed;
    private final Preprocessing preprocessing;
    private int shuffledEpoch = -1;
    private int[] order;

    public BatchSource(LabelledImages data, Preprocessing preprocessing, int batchSize, Augmentation augmentation,
                       long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive");
        }
        if (data.size() == 0) {
            throw new DatasetUnavailableException("the training set is empty");
        }
        this.data = data;
        this.preprocessing = preprocessing;
        this.batchSize = batchSize;
        this.augmentation = augmentation;
        this.seed = seed;
    }

    public int stepsPerEpoch() {
        return stepsPerEpoch(data.size(), batchSize);
    }

    /**
     * Full batches per epoch; the remainder is dropped (it lands in other batches after the next shuffle). A set
     * smaller than one batch is one (smaller) batch.
     */
    public static int stepsPerEpoch(int images, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive");
        }
        return Math.max(1, images / batchSize);
    }

    public int batchSize() {
        return Math.min(batchSize, data.size());
    }

    /** Training batch {@code index} (0-based) of {@code epoch} (0-based). Not thread-safe: one producer. */
    public Batch trainingBatch(int epoch, int index, long step) {
        int[] permutation = order(epoch);
        int n = batchSize();
        int crop = preprocessing.crop();
        int inputSize = data.channels() * crop * crop;
        float[] features = new float[n * inputSize];
        float[] labels = new float[n * data.classes().size()];
        SplittableRandom random = new SplittableRandom(mix(seed, epoch, index));
        for (int i = 0; i < n; i++) {
            int image = permutation[index * n + i];
            preprocessing.augment(data.pixels(), image * data.imageBytes(), data.channels(), data.height(),
                    data.width(), augmentation, random, features, i * inputSize);
            labels[i * data.classes().size() + data.label(image)] = 1;
        }
        return toBatch(data, crop, features, labels, n, step);
    }

    /** Evaluation batch of images {@code from} (inclusive) to {@code to} (exclusive), centre-cropped, in order. */
    public static Batch evaluationBatch(LabelledImages data, Preprocessing preprocessing, int from, int to) {
        int n = to - from;
        int crop = preprocessing.crop();
        int inputSize = data.channels() * crop * crop;
        float[] features = new float[n * inputSize];
        float[] labels = new float[n * data.classes().size()];
        for (int i = 0; i < n; i++) {
            preprocessing.centre(data.pixels(), (from + i) * data.imageBytes(), data.channels(), data.height(),
                    data.width(), features, i * inputSize);
            labels[i * data.classes().size() + data.label(from + i)] = 1;
        }
        return toBatch(data, crop, features, labels, n, -1);
    }

    private static Batch toBatch(LabelledImages data, int crop, float[] features, float[] labels, int n, long step) {
        return new Batch(
                Nd4j.create(features, new long[]{n, data.channels(), crop, crop}, DataType.FLOAT),
                Nd4j.create(labels, new long[]{n, data.classes().size()}, DataType.FLOAT),
                step);
    }

    private int[] order(int epoch) {
        if (epoch != shuffledEpoch) {
            int[] permutation = new int[data.size()];
            for (int i = 0; i < permutation.length; i++) {
                permutation[i] = i;
            }
            SplittableRandom random = new SplittableRandom(mix(seed, epoch, -1));
            for (int i = permutation.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = permutation[i];
                permutation[i] = permutation[j];
                permutation[j] = t;
            }
            order = permutation;
            shuffledEpoch = epoch;
        }
        return order;
    }

    private static long mix(long seed, int epoch, int index) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch * 1_000_003L + index).nextLong();
    }
}
