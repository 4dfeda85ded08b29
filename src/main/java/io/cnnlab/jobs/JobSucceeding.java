package io.cnnlab.jobs;

/**
 * Published on the worker's thread when a job has done all its work, before it is marked SUCCEEDED: what the job
 * produced (its model version) is in place by the time anyone sees it SUCCEEDED, in a GET or a state event.
 */
public record JobSucceeding(TrainingJob job) {
}
