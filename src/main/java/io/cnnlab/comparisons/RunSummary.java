package io.cnnlab.comparisons;

import java.util.List;
import java.util.Map;

/**
 * One training run reduced to what the seed's claims are judged on: accuracy, cost and speed.
 *
 * @param parameterCount       the network's parameters (a count, as everywhere in the API)
 * @param epochsCompleted      epochs the run finished ({@code epochs} is what a job asks for)
 * @param stepsCompleted       steps the run finished
 * @param imagesPerSecond      median training throughput over the run's epochs (evaluation excluded)
 * @param wallSeconds          wall time of all recorded epochs, evaluation included
 * @param accuracyAtEpoch      test accuracy after each requested epoch the run reached
 * @param secondsToAccuracy    wall seconds until test accuracy first reached each threshold (absent: never)
 * @param curve                per-epoch points for plotting test accuracy against wall time
 * @param dataset              the data set the run trained on: accuracies of runs on different sets do not compare
 */
public record RunSummary(String jobId, String architecture, String modelName, String state, long parameterCount,
                         long macsPerImage, int epochsCompleted, long stepsCompleted, Double imagesPerSecond,
                         double wallSeconds,
                         Double finalTestAccuracy, Double bestTestAccuracy, Map<String, Double> accuracyAtEpoch,
                         Map<String, Double> secondsToAccuracy, List<CurvePoint> curve, String dataset) {

    /** Test accuracy after an epoch, with the wall time it took to get there. */
    public record CurvePoint(int epoch, long step, double elapsedSeconds, double trainLoss, double testLoss,
                             double trainAccuracy, double testAccuracy) {
    }
}
