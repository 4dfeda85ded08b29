package io.cnnlab.jobs;

import java.time.Instant;

/**
 * A training job as stored.
 *
 * @param plan            the training plan's document as submitted (owned by training; carried here unread)
 * @param attempts        how many times a worker has claimed it (more than one after a shutdown, crash or takeover);
 *                        the latest claim's number is the attempt every write of its worker names
 * @param worker          the instance that runs it or last ran it ({@code cnn.instance-id}); null while it waits
 * @param cancelRequested a cancel reached a RUNNING job; its worker stops at its next heartbeat
 */
public record TrainingJob(String id, String architecture, String modelName, JobState state, String plan,
                          Instant createdAt, Instant startedAt, Instant finishedAt, int epoch, long step,
                          Long totalSteps, Double imagesPerSecond, Double etaSeconds, Double bestTestAccuracy,
                          String error, int attempts, String worker, boolean cancelRequested) {
}
