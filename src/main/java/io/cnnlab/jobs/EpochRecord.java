package io.cnnlab.jobs;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * One epoch's metrics as the job history keeps them (see {@code training.EpochMetrics} for their meaning).
 *
 * @param testConfusion the test set's confusion matrix as {@code evaluation.ConfusionMatrix} JSON (sparse cells),
 *                      carried opaquely; null in lists of epochs (read on its own) and for epochs recorded before
 *                      it was kept. Not part of the metrics rows the API shows.
 */
public record EpochRecord(int epoch, long step, double trainLoss, double trainAccuracy, double testLoss,
                          double testAccuracy, double imagesPerSecond, double seconds, double dataWaitShare,
                          double learningRate, @JsonIgnore String testConfusion) {

    /** An epoch without its confusion matrix. */
    public EpochRecord(int epoch, long step, double trainLoss, double trainAccuracy, double testLoss,
                       double testAccuracy, double imagesPerSecond, double seconds, double dataWaitShare,
                       double learningRate) {
        this(epoch, step, trainLoss, trainAccuracy, testLoss, testAccuracy, imagesPerSecond, seconds, dataWaitShare,
                learningRate, null);
    }
}
