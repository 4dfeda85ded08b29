package io.cnnlab.jobs;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Durable job state. Every method is one transaction; state changes are conditional on the current state. */
public interface JobStore {

    /**
     * Inserts a QUEUED job, or returns the job the same caller already stored under the same idempotency key.
     *
     * @throws IdempotencyKeyReusedException when that job was submitted with a different request
     */
    Submitted insert(NewJob job, Instant now);

    record Submitted(TrainingJob job, boolean created) {
    }

    Optional<TrainingJob> find(String id);

    /** Newest first; {@code state} null for all. */
    List<TrainingJob> list(JobState state, int page, int size);

    long count(JobState state);

    Map<JobState, Long> countByState();

    /** Moves the oldest QUEUED job to RUNNING for this caller, if there is one; no two callers get the same job. */
    Optional<TrainingJob> claimNext(Instant now);

    /**
     * Moves a job from {@code from} to {@code next}, only if it is still in {@code from} (compare and set: a caller
     * that read the job as QUEUED must not cancel it after a worker has claimed it).
     *
     * @return false when the job was no longer in {@code from} (someone else moved it first)
     * @throws IllegalArgumentException when {@link JobState} does not allow the move
     */
    boolean transition(String id, JobState from, JobState next, String error, Instant now);

    /** RUNNING jobs back to QUEUED (after a crash); returns their ids. */
    List<String> requeueRunning();

    void updateProgress(String id, int epoch, long step, long totalSteps, double imagesPerSecond, double etaSeconds);

    /** Adds (or replaces) the epoch's metrics and raises the job's best test accuracy. */
    void recordEpoch(String id, EpochRecord epoch);

    List<EpochRecord> metrics(String id);

    /** Each listed job's last recorded epoch, in one query (jobs without one are absent). */
    Map<String, EpochRecord> latestMetrics(Collection<String> ids);

    /** Forgets metrics beyond a step a resumed job will produce again. */
    void deleteMetricsAfter(String id, long step);

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
