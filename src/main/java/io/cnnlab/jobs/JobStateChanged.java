package io.cnnlab.jobs;

/** Published after every state change of a job (a job's model version is registered before, on {@link JobSucceeding}). */
public record JobStateChanged(TrainingJob job, JobState from, JobState to, String reason) {
}
