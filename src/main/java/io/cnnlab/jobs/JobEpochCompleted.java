package io.cnnlab.jobs;

/** Published when a running job finishes an epoch (metrics, live views). */
public record JobEpochCompleted(TrainingJob job, EpochRecord epoch) {
}
