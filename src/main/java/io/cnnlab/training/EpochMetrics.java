package io.cnnlab.training;

import io.cnnlab.evaluation.ConfusionMatrix;

/**
 * What one epoch (or the final part of one, when the budget ends mid-epoch) achieved.
 *
 * @param epoch           epochs completed, counting a final partial epoch as one
 * @param step            global steps completed
 * @param trainLoss       mean cross-entropy over the epoch's training batches (augmented, training mode)
 * @param trainAccuracy   accuracy on the sampled training batches (inference mode, right after their step)
 * @param testLoss        mean cross-entropy on the whole test set
 * @param testAccuracy    accuracy on the whole test set
 * @param imagesPerSecond training throughput of the epoch, evaluation excluded
 * @param seconds         wall seconds of the epoch, evaluation included
 * @param dataWaitShare   share of training time spent waiting for the input pipeline
 * @param learningRate    learning rate at the end of the epoch
 * @param testConfusion   the test set's confusion matrix, from the same evaluation as testAccuracy
 */
public record EpochMetrics(int epoch, long step, double trainLoss, double trainAccuracy, double testLoss,
                           double testAccuracy, double imagesPerSecond, double seconds, double dataWaitShare,
                           double learningRate, ConfusionMatrix testConfusion) {
}
