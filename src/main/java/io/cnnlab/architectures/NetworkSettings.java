package io.cnnlab.architectures;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * What a network's configuration needs besides its layers.
 *
 * @param seed         seed of the weight initialisation
 * @param updater      optimiser with its learning rate (schedule)
 * @param weightStddev standard deviation of the truncated-normal weight initialisation (the seed's 0.1)
 * @param biasInit     initial value of every bias (the seed's 0.1)
 */
public record NetworkSettings(long seed, IUpdater updater, double weightStddev, double biasInit) {

    public static final double SEED_WEIGHT_STDDEV = 0.1;
    public static final double SEED_BIAS_INIT = 0.1;

    public NetworkSettings {
        if (weightStddev <= 0) {
            throw new IllegalArgumentException("weightStddev must be positive, was " + weightStddev);
        }
    }

    /** The seed's recipe: Adam at 1e-4, truncated normal 0.1, bias 0.1. */
    public static NetworkSettings defaults() {
        return new NetworkSettings(42, new Adam(1e-4), SEED_WEIGHT_STDDEV, SEED_BIAS_INIT);
    }
}
