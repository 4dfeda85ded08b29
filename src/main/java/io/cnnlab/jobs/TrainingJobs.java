package io.cnnlab.jobs;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What users do with training jobs: submit, look, cancel. */
@Service
public class TrainingJobs {

    static final Duration RETRY_AFTER_FULL_QUEUE = Duration.ofSeconds(30);

    private final JobStore store;
    private final TrainingWorkers workers;
    private final TrainingProperties properties;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    private final SubmissionRate submissionRate;

    TrainingJobs(JobStore store, TrainingWorkers workers, TrainingProperties properties, Clock clock,
                 ApplicationEventPublisher events) {
        this.store = store;
        this.workers = workers;
        this.properties = properties;
        this.clock = clock;
        this.events = events;
        this.submissionRate = new SubmissionRate(properties.maxSubmissionsPerMinute(), clock);
    }

    /**
     * Queues a job, or returns the one already submitted with the same idempotency key. The queue bound holds for
     * every instance on the database (the store counts and inserts behind one lock); the submission rate is this
     * instance's own.
     */
    public JobStore.Submitted submit(NewJob job) {
        // a cheap look first, so a full queue costs no submission token; the store's count is the one that holds
        long queued = store.count(JobState.QUEUED);
        if (queued >= properties.maxQueued()) {
            throw new QueueFullException(queued, RETRY_AFTER_FULL_QUEUE);
        }
        Duration wait = submissionRate.acquire();
        if (!wait.isZero()) {
            throw new QueueFullException("more than %d job submissions in a minute (cnn.training.max-submissions-per-minute); retry later"
                    .formatted(properties.maxSubmissionsPerMinute()), wait);
        }
        JobStore.Submitted submitted = store.insert(job, clock.instant(), properties.maxQueued());
        if (submitted.created()) {
            events.publishEvent(new JobStateChanged(submitted.job(), null, JobState.QUEUED, "submitted"));
            workers.wake();
        }
        return submitted;
    }

    public TrainingJob get(String id) {
        return store.find(id).orElseThrow(() -> new JobNotFoundException(id));
    }

    public List<TrainingJob> list(JobState state, int page, int size) {
        return store.list(state, page, size);
    }

    public List<EpochRecord> metrics(String id) {
        get(id);
        return store.metrics(id);
    }

    /** The job's last recorded epoch with its confusion matrix (see {@link JobStore#lastEpoch}); empty before one. */
    public Optional<EpochRecord> lastEpoch(String id) {
        get(id);
        return store.lastEpoch(id);
    }

    /** The last recorded epoch of each job, read in one query however many jobs a page shows. */
    public Map<String, EpochRecord> latestMetrics(Collection<String> ids) {
        return store.latestMetrics(ids);
    }

    /** The queued or running jobs that train on a data set: while there are any, it is not deleted. */
    public List<String> activeJobsUsing(String datasetId) {
        return store.activeJobsUsing(datasetId);
    }

    public Optional<JobControl.Progress> liveProgress(String id) {
        return workers.progress(id);
    }

    public Map<JobState, Long> countByState() {
        return store.countByState();
    }

    public boolean workersAlive() {
        return workers.alive();
    }

    /**
     * Deletes a finished job with its metrics and checkpoint rows (the caller deletes the checkpoint files).
     *
     * @throws JobStateConflictException when the job is queued or running: cancel it first
     */
    public void delete(String id) {
        TrainingJob job = get(id);
        if (!store.deleteFinished(id)) {
            throw new JobStateConflictException("job %s is %s; only finished jobs can be deleted (cancel it first)"
                    .formatted(id, store.find(id).map(TrainingJob::state).orElse(job.state())));
        }
    }

    /**
     * Cancels a queued job at once; asks a running one to stop at its next batch (it is CANCELLED moments later, by
     * the instance that runs it: this one at once, another at its next heartbeat). A running job whose instance is
     * gone (its lease expired) is cancelled here.
     *
     * @throws JobStateConflictException when the job has already finished
     */
    public TrainingJob cancel(String id) {
        TrainingJob job = get(id);
        if (job.state().isFinal()) {
            throw new JobStateConflictException("job %s is already %s; only QUEUED or RUNNING jobs can be cancelled"
                    .formatted(id, job.state()));
        }
        // only if still QUEUED: a worker may claim it between the read above and this write, and is then told below
        if (job.state() == JobState.QUEUED
                && store.transition(id, JobState.QUEUED, JobState.CANCELLED, "cancelled by request", clock.instant())) {
            TrainingJob cancelled = get(id);
            events.publishEvent(new JobStateChanged(cancelled, JobState.QUEUED, JobState.CANCELLED, "cancelled by request"));
            return cancelled;
        }
        if (store.requestCancel(id)) {
            // the flag reaches the job's worker wherever it runs; one of this instance hears it at once
            workers.cancel(id);
            if (store.cancelAbandoned(id, "cancelled by request", clock.instant())) {
                events.publishEvent(new JobStateChanged(get(id), JobState.RUNNING, JobState.CANCELLED, "cancelled by request"));
            }
        }
        return get(id);
    }
}
