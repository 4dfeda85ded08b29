package io.cnnlab.jobs;

/** Published after every state change of a job (e.g. the model registry listens for SUCCEEDED). */
public record JobStateChanged(TrainingJob job, JobState from, JobState to, String reason) {
}
