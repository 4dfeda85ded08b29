package io.cnnlab.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Durable job state, shared by every instance on the same database. Every method is one transaction; state changes
 * are conditional on the current state, and a worker's writes on its {@link JobLease} (fencing: once another attempt
 * holds the job, they are refused with {@link LeaseLostException} and change nothing).
 */
public interface JobStore {

    /**
     * Inserts a QUEUED job, or returns the job the same caller already stored under the same idempotency key. The
     * queue is counted in the same transaction, behind one lock every instance's submissions take.
     *
     * @throws IdempotencyKeyReusedException when that job was submitted with a different request
     * @throws QueueFullException            when {@code maxQueued} jobs wait already
     */
    Submitted insert(NewJob job, Instant now, int maxQueued);

    record Submitted(TrainingJob job, boolean created) {
    }

    Optional<TrainingJob> find(String id);

    /** Newest first; {@code state} null for all. */
    List<TrainingJob> list(JobState state, int page, int size);

    long count(JobState state);

    Map<JobState, Long> countByState();

    /**
     * Takes the oldest job that is QUEUED, or RUNNING with an expired lease (its worker is gone or stalled), for
     * {@code owner}: RUNNING, the next attempt, leased until the database's clock plus {@code lease}. No two callers,
     * in this process or another, get the same attempt.
     */
    Optional<TrainingJob> claimNext(String owner, Duration lease, Instant now);

    /** Extends a held lease to the database's clock plus {@code lease}, and says whether a cancel has come in. */
    Renewal renew(JobLease lease, Duration duration);

    enum Renewal { HELD, CANCEL_REQUESTED, LOST }

    /**
     * Moves a job from {@code from} to {@code next}, only if it is still in {@code from} (compare and set: a caller
     * that read the job as QUEUED must not cancel it after a worker has claimed it). Not for a worker's own moves,
     * which go through {@link #finish}.
     *
     * @return false when the job was no longer in {@code from} (someone else moved it first)
     * @throws IllegalArgumentException when {@link JobState} does not allow the move
     */
    boolean transition(String id, JobState from, JobState next, String error, Instant now);

    /**
     * The worker's last move of its attempt: to a final state, or back to QUEUED (shutdown) to continue later.
     *
     * @throws LeaseLostException when the attempt no longer holds the job
     */
    void finish(JobLease lease, JobState next, String error, Instant now);

    /** Asks the worker of a RUNNING job to stop (it reads this at its next heartbeat); false if it is not RUNNING. */
    boolean requestCancel(String id);

    /** Cancels a RUNNING job whose lease has expired (no live worker will); false when a worker still holds it. */
    boolean cancelAbandoned(String id, String error, Instant now);

    /**
     * At an instance's start: RUNNING jobs it held before it stopped (same {@code owner}) go back to QUEUED, to
     * continue from their latest checkpoint without waiting for their leases to expire. On an embedded database
     * (H2, one process at a time) that is every RUNNING job. Returns their ids.
     */
    List<String> requeueAtStart(String owner);

    /** @throws LeaseLostException when the attempt no longer holds the job */
    void updateProgress(JobLease lease, int epoch, long step, long totalSteps, double imagesPerSecond,
                        double etaSeconds);

    /**
     * Adds (or replaces) the epoch's metrics and raises the job's best test accuracy.
     *
     * @throws LeaseLostException when the attempt no longer holds the job
     */
    void recordEpoch(JobLease lease, EpochRecord epoch);

    /**
     * Says why the run ends before its budget (early stopping), before the worker marks it SUCCEEDED.
     *
     * @throws LeaseLostException when the attempt no longer holds the job
     */
    void recordStopReason(JobLease lease, String reason);

    /**
     * Runs {@code write} (other tables' rows of the job, e.g. a checkpoint's) in one transaction with the job's row
     * locked for the lease: it commits only while the attempt holds the job.
     *
     * @throws LeaseLostException when the attempt no longer holds the job; nothing of {@code write} is kept
     */
    <T> T whileHeld(JobLease lease, Supplier<T> write);

    List<EpochRecord> metrics(String id);

    /**
     * The job's last recorded epoch with its test confusion matrix ({@link EpochRecord#testConfusion}, null when the
     * epoch was recorded before matrices were kept); empty before its first epoch.
     */
    Optional<EpochRecord> lastEpoch(String id);

    /** Each listed job's last recorded epoch, in one query (jobs without one are absent). */
    Map<String, EpochRecord> latestMetrics(Collection<String> ids);

    /**
     * Forgets metrics beyond a step a resumed job will produce again.
     *
     * @throws LeaseLostException when the attempt no longer holds the job
     */
    void deleteMetricsAfter(JobLease lease, long step);

    /** Ids of the QUEUED or RUNNING jobs that train on {@code datasetId}, oldest first. */
    List<String> activeJobsUsing(String datasetId);

    Set<String> ids();

    /** Finished jobs (SUCCEEDED, FAILED, CANCELLED) that ended before {@code cutoff}, oldest first. */
    List<String> finishedBefore(Instant cutoff, int limit);

    /**
     * Deletes a finished job with its metrics and checkpoint rows, in one transaction.
     *
     * @return false when the job is gone or not finished (a job that runs or waits is never deleted)
     */
    boolean deleteFinished(String id);
}
