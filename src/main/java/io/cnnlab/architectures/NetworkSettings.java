package io.cnnlab.architectures;

import org.nd4j.linalg.learning.config.IUpdater;

/**
 * What a network's configuration needs besides its layers.
 *
 * @param seed         seed of the weight initialisation
 * @param updater      optimiser with its learning rate (schedule)
 * @param weightStddev standard deviation of the truncated-normal weight initialisation
 * @param biasInit     initial value of every bias
 * @param classes      outputs of the classifier: the data set's class count
 */
public record NetworkSettings(long seed, IUpdater updater, double weightStddev, double biasInit, int classes) {

    /** Fewest and most classes a network is built for. */
    public static final int MIN_CLASSES = 2;
    public static final int MAX_CLASSES = 1000;

    public NetworkSettings {
        if (weightStddev <= 0) {
            throw new IllegalArgumentException("weightStddev must be positive, was " + weightStddev);
        }
        if (classes < MIN_CLASSES || classes > MAX_CLASSES) {
            throw new IllegalArgumentException("a network predicts %d to %d classes, not %d"
                    .formatted(MIN_CLASSES, MAX_CLASSES, classes));
        }
    }

    /** CIFAR-10's ten classes. */
    public NetworkSettings(long seed, IUpdater updater, double weightStddev, double biasInit) {
        this(seed, updater, weightStddev, biasInit, Architecture.CLASSES);
    }

    public NetworkSettings withClasses(int value) {
        return new NetworkSettings(seed, updater, weightStddev, biasInit, value);
    }

    /** The settings of the seed's recipe ({@link Recipe#SEED}). */
    public static NetworkSettings defaults() {
        return Recipe.SEED.networkSettings();
    }
}
