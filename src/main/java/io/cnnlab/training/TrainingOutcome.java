package io.cnnlab.training;

import java.util.List;

/**
 * How a call to {@link Trainer#train} ended.
 *
 * @param finished true when the whole budget ran; false when it stopped on request
 * @param step     global steps completed
 * @param epochs   metrics of the epochs completed during this call
 */
public record TrainingOutcome(boolean finished, long step, List<EpochMetrics> epochs) {
}
