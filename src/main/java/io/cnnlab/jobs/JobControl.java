package io.cnnlab.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The line between a running job and the rest of the service: stop requests go in, progress comes out. Progress is
 * kept in memory for readers and written to the store at most once per {@code writeInterval}.
 *
 * <p>Every write names the job's {@link JobLease}. Once the lease is lost (another instance took the job after this
 * one stopped renewing), a write throws {@link LeaseLostException} and the heartbeat asks the run to stop: the run
 * ends at its next batch without writing anything more.
 */
public final class JobControl {

    /** Live figures of a running job. */
    public record Progress(int epoch, long step, long totalSteps, double imagesPerSecond, double etaSeconds,
                           double loss) {
    }

    private static final Duration EVENT_INTERVAL = Duration.ofSeconds(1);

    private final TrainingJob job;
    private final String jobId;
    private final JobLease lease;
    private final JobStore store;
    private final org.springframework.context.ApplicationEventPublisher events;
    private final Clock clock;
    private final Duration writeInterval;
    private volatile boolean cancelRequested;
    private volatile boolean shutdownRequested;
    private volatile boolean leaseLost;
    private volatile Progress progress;
    private Instant lastWrite = Instant.EPOCH;
    private Instant lastEvent = Instant.EPOCH;

    JobControl(TrainingJob job, JobStore store, org.springframework.context.ApplicationEventPublisher events, Clock clock,
               Duration writeInterval) {
        this.job = job;
        this.jobId = job.id();
        this.lease = JobLease.of(job);
        this.store = store;
        this.events = events;
        this.clock = clock;
        this.writeInterval = writeInterval;
    }

    public String jobId() {
        return jobId;
    }

    /** The claim this run writes under (checkpoint rows are written with it). */
    public JobLease lease() {
        return lease;
    }

    public boolean stopRequested() {
        return cancelRequested || shutdownRequested || leaseLost;
    }

    /** True when the stop is for a shutdown: the job must checkpoint and will continue on the next start. */
    public boolean shutdownRequested() {
        return shutdownRequested;
    }

    void requestCancel() {
        cancelRequested = true;
    }

    boolean cancelRequested() {
        return cancelRequested;
    }

    void requestShutdown() {
        shutdownRequested = true;
    }

    /** Another attempt holds the job now: stop, and write nothing more for it. */
    void leaseLost() {
        leaseLost = true;
    }

    boolean isLeaseLost() {
        return leaseLost;
    }

    public Progress progress() {
        return progress;
    }

    public void reportProgress(Progress next) {
        throwIfLost();
        progress = next;
        Instant now = clock.instant();
        if (Duration.between(lastEvent, now).compareTo(EVENT_INTERVAL) >= 0 || next.step() == next.totalSteps()) {
            lastEvent = now;
            events.publishEvent(new JobProgressed(job, next));
        }
        if (Duration.between(lastWrite, now).compareTo(writeInterval) >= 0 || next.step() == next.totalSteps()) {
            lastWrite = now;
            store.updateProgress(lease, next.epoch(), next.step(), next.totalSteps(), next.imagesPerSecond(),
                    next.etaSeconds());
        }
    }

    /** Writes the latest progress now, whatever the interval (before the job changes state). */
    void flush() {
        Progress last = progress;
        if (last != null) {
            store.updateProgress(lease, last.epoch(), last.step(), last.totalSteps(), last.imagesPerSecond(),
                    last.etaSeconds());
        }
    }

    public void reportEpoch(EpochRecord epoch) {
        throwIfLost();
        store.recordEpoch(lease, epoch);
        events.publishEvent(new JobEpochCompleted(job, epoch));
    }

    /** The job's epochs as stored (not this attempt's memory): what an earlier attempt recorded is there too. */
    public java.util.List<EpochRecord> epochs() {
        return store.metrics(jobId);
    }

    /** Why the run ends before its budget; the job is then marked SUCCEEDED with it. */
    public void recordStopReason(String reason) {
        throwIfLost();
        store.recordStopReason(lease, reason);
    }

    private void throwIfLost() {
        if (leaseLost) {
            throw new LeaseLostException(lease);
        }
    }

    /** Forgets history beyond the step the job resumes from (that work is lost and will be redone). */
    public void resumingFrom(long step) {
        store.deleteMetricsAfter(lease, step);
    }
}
