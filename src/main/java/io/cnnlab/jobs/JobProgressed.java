package io.cnnlab.jobs;

/** Published at most once a second while a job trains (live views). */
public record JobProgressed(TrainingJob job, JobControl.Progress progress) {
}
