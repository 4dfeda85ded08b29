package io.cnnlab.jobs;

/** What a submit asks for; {@code idempotencyKey} may be null. */
public record NewJob(String architecture, String modelName, JobParameters parameters, String idempotencyKey) {
}
