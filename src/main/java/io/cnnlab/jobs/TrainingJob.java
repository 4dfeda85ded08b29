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
 * @param stopReason      why a SUCCEEDED job ended before its budget (early stopping); null when it ran it all
 * @param parentJob       the job this one continues (it starts from that job's last checkpoint); null for a new run
 * @param dataset         id of the data set it trains on
 * @param initFromModel   model whose version it starts from (fine-tuning); null for a new network
 * @param initFromVersion that model's version, as resolved at submit
 * @param freeze          the feature layers of {@code initFrom} stay fixed
 */
public record TrainingJob(String id, String architecture, String modelName, JobState state, String plan,
                          Instant createdAt, Instant startedAt, Instant finishedAt, int epoch, long step,
                          Long totalSteps, Double imagesPerSecond, Double etaSeconds, Double bestTestAccuracy,
                          String error, int attempts, String worker, boolean cancelRequested, String stopReason,
                          String parentJob, String dataset, String initFromModel, Integer initFromVersion,
                          boolean freeze) {

    /** A job on CIFAR-10 from a new network that is no run's continuation and has not stopped early. */
    public TrainingJob(String id, String architecture, String modelName, JobState state, String plan,
                       Instant createdAt, Instant startedAt, Instant finishedAt, int epoch, long step,
                       Long totalSteps, Double imagesPerSecond, Double etaSeconds, Double bestTestAccuracy,
                       String error, int attempts, String worker, boolean cancelRequested) {
        this(id, architecture, modelName, state, plan, createdAt, startedAt, finishedAt, epoch, step, totalSteps,
                imagesPerSecond, etaSeconds, bestTestAccuracy, error, attempts, worker, cancelRequested, null, null,
                NewJob.DEFAULT_DATASET, null, null, false);
    }
}
