package io.cnnlab.training;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.LearningRate;
import io.cnnlab.datasets.Augmentation;

import java.util.Objects;

/**
 * Everything that decides a training run besides the data: the budget and the hyper-parameters.
 *
 * @param architecture   network variant name
 * @param epochs         budget in passes over the training set (used when {@code maxSteps} is null)
 * @param maxSteps       budget in batches; overrides {@code epochs} when set
 * @param batchSize      images per step
 * @param learningRate   Adam's learning rate and its decay
 * @param seed           seed of weight initialisation, shuffling and augmentation
 * @param augmentation   random distortions of training images
 * @param weightStddev   truncated-normal init stddev
 * @param biasInit       initial bias
 * @param trainAccuracyEvery measure training accuracy on every n-th batch (an extra inference pass on it)
 */
public record TrainingPlan(String architecture, int epochs, Long maxSteps, int batchSize, LearningRate learningRate,
                           long seed, Augmentation augmentation, double weightStddev, double biasInit,
                           int trainAccuracyEvery) {

    public static final int DEFAULT_EPOCHS = 10;
    public static final int DEFAULT_BATCH_SIZE = 128;
    public static final int DEFAULT_TRAIN_ACCURACY_EVERY = 10;

    public TrainingPlan {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(learningRate, "learningRate");
        Objects.requireNonNull(augmentation, "augmentation");
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1");
        }
        if (maxSteps != null && maxSteps < 1) {
            throw new IllegalArgumentException("maxSteps must be at least 1");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1");
        }
        if (trainAccuracyEvery < 1) {
            throw new IllegalArgumentException("trainAccuracyEvery must be at least 1");
        }
    }

    /**
     * The seed's recipe for a network: batch 128, 10 epochs, the seed's initialisation and augmentation, and the
     * learning rate the network names ({@link Architecture#learningRate()}).
     */
    public static TrainingPlan seedDefaults(Architecture architecture) {
        return new TrainingPlan(architecture.name(), DEFAULT_EPOCHS, null, DEFAULT_BATCH_SIZE, architecture.learningRate(),
                42, Augmentation.seedDefaults(), 0.1, 0.1, DEFAULT_TRAIN_ACCURACY_EVERY);
    }

    public TrainingPlan withEpochs(int value) {
        return new TrainingPlan(architecture, value, maxSteps, batchSize, learningRate, seed, augmentation,
                weightStddev, biasInit, trainAccuracyEvery);
    }

    public TrainingPlan withMaxSteps(Long value) {
        return new TrainingPlan(architecture, epochs, value, batchSize, learningRate, seed, augmentation,
                weightStddev, biasInit, trainAccuracyEvery);
    }

    public TrainingPlan withBatchSize(int value) {
        return new TrainingPlan(architecture, epochs, maxSteps, value, learningRate, seed, augmentation,
                weightStddev, biasInit, trainAccuracyEvery);
    }

    public TrainingPlan withLearningRate(LearningRate value) {
        return new TrainingPlan(architecture, epochs, maxSteps, batchSize, value, seed, augmentation,
                weightStddev, biasInit, trainAccuracyEvery);
    }

    public TrainingPlan withSeed(long value) {
        return new TrainingPlan(architecture, epochs, maxSteps, batchSize, learningRate, value, augmentation,
                weightStddev, biasInit, trainAccuracyEvery);
    }

    public TrainingPlan withAugmentation(Augmentation value) {
        return new TrainingPlan(architecture, epochs, maxSteps, batchSize, learningRate, seed, value,
                weightStddev, biasInit, trainAccuracyEvery);
    }

    /** Total steps of the budget for a training set with {@code stepsPerEpoch} batches. */
    public long totalSteps(int stepsPerEpoch) {
        return maxSteps != null ? maxSteps : (long) epochs * stepsPerEpoch;
    }
}
