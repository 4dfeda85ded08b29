package io.cnnlab.architectures;

import io.cnnlab.datasets.Augmentation;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Objects;

/**
 * How a network is trained when the user names nothing else: the one home of every training default. A training
 * request overlays its fields on its network's recipe; {@code GET /api/v1/architectures} publishes each recipe.
 *
 * @param epochs             budget in passes over the training set (when no step budget is given)
 * @param batchSize          images per step
 * @param learningRate       Adam's learning rate and its decay
 * @param seed               seed of weight initialisation, shuffling and augmentation
 * @param augmentation       random distortions of training images
 * @param weightStddev       truncated-normal weight initialisation stddev
 * @param biasInit           initial value of every bias
 * @param trainAccuracyEvery measure training accuracy on every n-th batch (an extra inference pass on it)
 */
public record Recipe(int epochs, int batchSize, LearningRate learningRate, long seed, Augmentation augmentation,
                     double weightStddev, double biasInit, int trainAccuracyEvery) {

    /** The seed's recipe: 10 epochs of batch 128, Adam at a constant 1e-4, truncated normal 0.1, bias 0.1. */
    public static final Recipe SEED = new Recipe(10, 128, LearningRate.constant(1e-4), 42, Augmentation.seedDefaults(),
            0.1, 0.1, 10);

    public Recipe {
        Objects.requireNonNull(learningRate, "learningRate");
        Objects.requireNonNull(augmentation, "augmentation");
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, was " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        if (!(weightStddev > 0)) {
            throw new IllegalArgumentException("weightStddev must be positive, was " + weightStddev);
        }
        if (!Double.isFinite(biasInit)) {
            throw new IllegalArgumentException("biasInit must be finite, was " + biasInit);
        }
        if (trainAccuracyEvery < 1) {
            throw new IllegalArgumentException("trainAccuracyEvery must be at least 1, was " + trainAccuracyEvery);
        }
    }

    /** What the network's configuration takes from the recipe. */
    public NetworkSettings networkSettings() {
        return new NetworkSettings(seed, new Adam(learningRate.schedule()), weightStddev, biasInit);
    }

    public Recipe withEpochs(int value) {
        return new Recipe(value, batchSize, learningRate, seed, augmentation, weightStddev, biasInit, trainAccuracyEvery);
    }

    public Recipe withBatchSize(int value) {
        return new Recipe(epochs, value, learningRate, seed, augmentation, weightStddev, biasInit, trainAccuracyEvery);
    }

    public Recipe withLearningRate(LearningRate value) {
        return new Recipe(epochs, batchSize, value, seed, augmentation, weightStddev, biasInit, trainAccuracyEvery);
    }

    public Recipe withSeed(long value) {
        return new Recipe(epochs, batchSize, learningRate, value, augmentation, weightStddev, biasInit, trainAccuracyEvery);
    }

    public Recipe withAugmentation(Augmentation value) {
        return new Recipe(epochs, batchSize, learningRate, seed, value, weightStddev, biasInit, trainAccuracyEvery);
    }

    public Recipe withTrainAccuracyEvery(int value) {
        return new Recipe(epochs, batchSize, learningRate, seed, augmentation, weightStddev, biasInit, value);
    }
}
