package io.cnnlab.jobs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A fixed pool of worker threads that take QUEUED jobs oldest first and hand them to the {@link JobExecutor}.
 *
 * <p>The database is the queue, shared by every instance on it: a worker claims a job with a lease, which a
 * heartbeat renews while the job runs, so no job runs twice, nothing queued is lost when a process dies, and a job
 * whose instance died (its lease expired) is taken by the next free worker of any instance. The heartbeat also
 * brings a cancel sent to another instance, and tells a run whose lease was lost (this process stalled past it) to
 * stop. On start, the jobs this instance left RUNNING go back to the queue; on stop, running jobs are asked to
 * checkpoint and go back to QUEUED, to continue on the next start or on another instance.
 *
 * <p>With {@code cnn.training.workers=0} there are no worker threads and no heartbeat: the instance claims nothing.
 */
@Component
class TrainingWorkers implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(TrainingWorkers.class);
    /** How soon at the latest a cancel sent to another instance is seen, whatever the lease. */
    private static final Duration MAX_HEARTBEAT = Duration.ofSeconds(2);

    private final JobStore store;
    private final JobExecutor executor;
    private final TrainingProperties properties;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    private final String instance;
    private final Map<String, JobControl> running = new ConcurrentHashMap<>();
    private final Semaphore wakeUp = new Semaphore(0);
    private final List<Thread> threads = new ArrayList<>();
    private ScheduledExecutorService heartbeat;
    private volatile boolean accepting;

    TrainingWorkers(JobStore store, JobExecutor executor, TrainingProperties properties, Clock clock,
                    ApplicationEventPublisher events, InstanceId instance) {
        this.store = store;
        this.executor = executor;
        this.properties = properties;
        this.clock = clock;
        this.events = events;
        this.instance = instance.value();
    }

    @Override
    public synchronized void start() {
        accepting = true;
        if (properties.workers() == 0) {
            log.info("cnn.training.workers=0: instance {} trains nothing and claims no job", instance);
            return;
        }
        for (String id : store.requeueAtStart(instance)) {
            store.find(id).ifPresent(job -> events.publishEvent(new JobStateChanged(job, JobState.RUNNING,
                    JobState.QUEUED, "the previous process stopped without finishing it; continues from its latest checkpoint")));
        }
        Duration period = heartbeatPeriod(properties.leaseDuration());
        heartbeat = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "training-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
        heartbeat.scheduleWithFixedDelay(this::renewLeases, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        for (int i = 0; i < properties.workers(); i++) {
            Thread thread = new Thread(this::work, "training-worker-" + i);
            thread.start();
            threads.add(thread);
        }
        log.info("instance {} runs {} training worker(s), leases of {}", instance, properties.workers(),
                properties.leaseDuration());
    }

    /** A third of the lease: two renewals may fail (a database blip) before it expires. */
    static Duration heartbeatPeriod(Duration lease) {
        Duration third = lease.dividedBy(3);
        return third.compareTo(MAX_HEARTBEAT) < 0 ? third : MAX_HEARTBEAT;
    }

    private void renewLeases() {
        for (JobControl control : running.values()) {
            if (control.isLeaseLost()) {
                continue;
            }
            try {
                switch (store.renew(control.lease(), properties.leaseDuration())) {
                    case HELD -> { }
                    case CANCEL_REQUESTED -> control.requestCancel();
                    case LOST -> {
                        log.warn("job {}: attempt {} lost its lease (another instance took the job, or it was "
                                + "cancelled meanwhile); stopping it without writing more", control.jobId(),
                                control.lease().attempt());
                        control.leaseLost();
                    }
                }
            } catch (RuntimeException e) {
                // the next beat tries again; if the database stays away past the lease, the job goes elsewhere
                log.warn("cannot renew the lease of job {}: {}", control.jobId(), e.toString());
            }
        }
    }

    @Override
    public synchronized void stop() {
        accepting = false;
        running.values().forEach(JobControl::requestShutdown);
        wakeUp.release(threads.size());
        long deadline = System.nanoTime() + properties.shutdownTimeout().toNanos();
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (thread.isAlive()) {
                log.warn("{} did not stop within {}; its job continues from its latest checkpoint on the next start",
                        thread.getName(), properties.shutdownTimeout());
            }
        }
        threads.clear();
        // after the workers: a job checkpointing on its way out keeps its lease meanwhile
        if (heartbeat != null) {
            heartbeat.shutdownNow();
            heartbeat = null;
        }
    }

    @Override
    public boolean isRunning() {
        return accepting;
    }

    /** Stop after the web server (which stops at a higher phase) so no request lands on a stopped pool. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 2048;
    }

    void wake() {
        wakeUp.release();
    }

    boolean alive() {
        return accepting && threads.stream().allMatch(Thread::isAlive);
    }

    /** Asks a job running here to stop; false when it does not run in this process. */
    boolean cancel(String id) {
        JobControl control = running.get(id);
        if (control == null) {
            return false;
        }
        control.requestCancel();
        return true;
    }

    Optional<JobControl.Progress> progress(String id) {
        return Optional.ofNullable(running.get(id)).map(JobControl::progress);
    }

    private void work() {
        while (accepting) {
            Optional<TrainingJob> next;
            try {
                next = store.claimNext(instance, properties.leaseDuration(), clock.instant());
            } catch (RuntimeException e) {
                log.error("cannot read the job queue; retrying in 5 s", e);
                sleepQuietly(5);
                continue;
            }
            if (next.isEmpty()) {
                try {
                    wakeUp.tryAcquire(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            run(next.get());
        }
    }

    private void run(TrainingJob job) {
        JobControl control = new JobControl(job, store, events, clock, properties.progressWriteInterval());
        running.put(job.id(), control);
        // a cancel that came before the line above (or before an earlier attempt's worker saw it) is in the store
        if (store.find(job.id()).map(TrainingJob::cancelRequested).orElse(false) || job.cancelRequested()) {
            try {
                finish(control, JobState.CANCELLED, "cancelled by request", "cancelled by request");
            } finally {
                running.remove(job.id());
            }
            return;
        }
        events.publishEvent(new JobStateChanged(job, JobState.QUEUED, JobState.RUNNING,
                job.attempts() > 1 ? "attempt " + job.attempts() + ", continues from its latest checkpoint" : "started"));
        if (!accepting) {
            control.requestShutdown();
        }
        try {
            JobExecutor.Result result = executor.execute(job, control);
            if (control.isLeaseLost()) {
                throw new LeaseLostException(control.lease());
            }
            control.flush();
            if (result == JobExecutor.Result.COMPLETED) {
                finish(control, JobState.SUCCEEDED, null, "finished its budget");
            } else if (control.cancelRequested()) {
                finish(control, JobState.CANCELLED, "cancelled by request", "cancelled by request");
            } else {
                finish(control, JobState.QUEUED, null, "service shutting down; continues from its checkpoint on the next start");
            }
        } catch (LeaseLostException e) {
            log.warn("job {}: {}; this attempt stops here and leaves the job to its new holder", job.id(), e.getMessage());
        } catch (JobFailedException e) {
            finish(control, JobState.FAILED, e.getMessage(), e.getMessage());
        } catch (OutOfMemoryError e) {
            String message = "out of memory while training (" + e.getMessage() + "); try a smaller batch size";
            finish(control, JobState.FAILED, message, message);
        } catch (Exception | LinkageError | StackOverflowError e) {
            log.error("job {} failed unexpectedly", job.id(), e);
            String message = e.getClass().getSimpleName() + ": " + e.getMessage();
            finish(control, JobState.FAILED, message, message);
        } finally {
            running.remove(job.id());
        }
    }

    /** The attempt's last write; refused (and logged) when another attempt holds the job by now. */
    private void finish(JobControl control, JobState next, String error, String reason) {
        // out of the heartbeat's sight first: a renewal after the move below would find the job no longer RUNNING
        running.remove(control.jobId());
        try {
            store.finish(control.lease(), next, error, clock.instant());
        } catch (LeaseLostException e) {
            log.warn("job {} could not move from RUNNING to {}: {}", control.jobId(), next, e.getMessage());
            return;
        }
        store.find(control.jobId()).ifPresent(updated ->
                events.publishEvent(new JobStateChanged(updated, JobState.RUNNING, next, reason)));
    }

    private static void sleepQuietly(int seconds) {
        try {
            Thread.sleep(seconds * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
