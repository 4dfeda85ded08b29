package io.cnnlab.jobs;

import java.time.Instant;

/**
 * A training job as stored.
 *
 * @param plan     the training plan's document as submitted (owned by training; carried here unread)
 * @param attempts how many times a worker has started it (more than one after a shutdown or crash)
 */
public record TrainingJob(String id, String architecture, String modelName, JobState state, String plan,
                          Instant createdAt, Instant startedAt, Instant finishedAt, int epoch, long step,
                          Long totalSteps, Double imagesPerSecond, Double etaSeconds, Double bestTestAccuracy,
                          String error, int attempts) {
}
