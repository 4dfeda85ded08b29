package io.cnnlab.training;

/**
 * Progress after a training step.
 *
 * @param step            global steps completed
 * @param totalSteps      steps in the whole budget
 * @param epoch           current epoch, 1-based
 * @param loss            loss of the step's batch
 * @param imagesPerSecond throughput since this run (or resumption) started
 * @param etaSeconds      estimated seconds to finish the budget, evaluations excluded
 * @param epochEnd        this step ends an epoch (or the budget): an evaluation and {@code onEpoch} follow
 */
public record StepProgress(long step, long totalSteps, int epoch, double loss, double imagesPerSecond,
                           double etaSeconds, boolean epochEnd) {

    public double fraction() {
        return totalSteps == 0 ? 1 : (double) step / totalSteps;
    }
}
