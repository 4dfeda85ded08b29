package io.cnnlab.architectures;

import org.nd4j.linalg.learning.config.IUpdater;

/**
 * What a network's configuration needs besides its layers.
 *
 * @param seed         seed of the weight initialisation
 * @param updater      optimiser with its learning rate (schedule)
 * @param weightStddev standard deviation of the truncated-normal weight initialisation
 * @param biasInit     initial value of every bias
 */
public record NetworkSettings(long seed, IUpdater updater, double weightStddev, double biasInit) {

    public NetworkSettings {
        if (weightStddev <= 0) {
            throw new IllegalArgumentException("weightStddev must be positive, was " + weightStddev);
        }
    }

    /** The settings of the seed's recipe ({@link Recipe#SEED}). */
    public static NetworkSettings defaults() {
        return Recipe.SEED.networkSettings();
    }
}
