package io.cnnlab.jobs;

/**
 * The effective hyper-parameters of a job, every default filled in, as stored with it.
 *
 * @param epochs                 budget in epochs (ignored when {@code maxSteps} is set)
 * @param maxSteps               budget in steps, or null
 * @param batchSize              images per step
 * @param learningRate           Adam's initial learning rate
 * @param learningRateDecay      factor applied every {@code learningRateDecaySteps} (1 = constant)
 * @param learningRateDecaySteps steps between decays
 * @param seed                   seed of initialisation, shuffling and augmentation
 * @param randomCrop             random (else centre) 24x24 crop while training
 * @param flip                   random left-right flip
 * @param maxBrightnessDelta     random brightness range (0..255 scale)
 * @param minContrast            random contrast lower bound
 * @param maxContrast            random contrast upper bound
 * @param weightStddev           truncated-normal init stddev
 * @param biasInit               initial bias
 */
public record JobParameters(int epochs, Long maxSteps, int batchSize, double learningRate, double learningRateDecay,
                            int learningRateDecaySteps, long seed, boolean randomCrop, boolean flip,
                            double maxBrightnessDelta, double minContrast, double maxContrast, double weightStddev,
                            double biasInit) {
}
