package io.cnnlab.jobs;

/** One epoch's metrics as the job history keeps them (see {@code training.EpochMetrics} for their meaning). */
public record EpochRecord(int epoch, long step, double trainLoss, double trainAccuracy, double testLoss,
                          double testAccuracy, double imagesPerSecond, double seconds, double dataWaitShare,
                          double learningRate) {
}
