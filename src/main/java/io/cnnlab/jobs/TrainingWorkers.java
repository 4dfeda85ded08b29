package io.cnnlab.jobs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A fixed pool of worker threads that take QUEUED jobs oldest first and hand them to the {@link JobExecutor}.
 *
 * <p>The database is the queue: a worker claims a job with a conditional update, so no job runs twice, and nothing
 * queued is lost when the process dies. On start, jobs a crashed process left RUNNING go back to the queue; on
 * stop, running jobs are asked to checkpoint and go back to QUEUED, to continue on the next start.
 */
@Component
class TrainingWorkers implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(TrainingWorkers.class);

    private final JobStore store;
    private final JobExecutor executor;
    private final TrainingProperties properties;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    private final Map<String, JobControl> running = new ConcurrentHashMap<>();
    private final Semaphore wakeUp = new Semaphore(0);
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean accepting;

    TrainingWorkers(JobStore store, JobExecutor executor, TrainingProperties properties, Clock clock,
                    ApplicationEventPublisher events) {
        this.store = store;
        this.executor = executor;
        this.properties = properties;
        this.clock = clock;
        this.events = events;
    }

    @Override
    public synchronized void start() {
        for (String id : store.requeueRunning()) {
            store.find(id).ifPresent(job -> events.publishEvent(new JobStateChanged(job, JobState.RUNNING,
                    JobState.QUEUED, "the previous process stopped without finishing it; continues from its latest checkpoint")));
        }
        accepting = true;
        for (int i = 0; i < properties.workers(); i++) {
            Thread thread = new Thread(this::work, "training-worker-" + i);
            thread.start();
            threads.add(thread);
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
                next = store.claimNext(clock.instant());
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
        // a cancel that came between the claim and the line above found no control here and cancelled in the store
        if (storedState(job) != JobState.RUNNING) {
            running.remove(job.id());
            log.info("job {} was cancelled as it was being claimed; not running it", job.id());
            return;
        }
        events.publishEvent(new JobStateChanged(job, JobState.QUEUED, JobState.RUNNING,
                job.attempts() > 1 ? "attempt " + job.attempts() + ", continues from its latest checkpoint" : "started"));
        if (!accepting) {
            control.requestShutdown();
        }
        try {
            JobExecutor.Result result = executor.execute(job, control);
            control.flush();
            if (result == JobExecutor.Result.COMPLETED) {
                events.publishEvent(new JobSucceeding(job));
                finish(job, JobState.SUCCEEDED, null, "finished its budget");
            } else if (control.cancelRequested()) {
                finish(job, JobState.CANCELLED, "cancelled by request", "cancelled by request");
            } else {
                finish(job, JobState.QUEUED, null, "service shutting down; continues from its checkpoint on the next start");
            }
        } catch (JobFailedException e) {
            finish(job, JobState.FAILED, e.getMessage(), e.getMessage());
        } catch (OutOfMemoryError e) {
            String message = "out of memory while training (" + e.getMessage() + "); try a smaller batch size";
            finish(job, JobState.FAILED, message, message);
        } catch (Exception | LinkageError | StackOverflowError e) {
            log.error("job {} failed unexpectedly", job.id(), e);
            String message = e.getClass().getSimpleName() + ": " + e.getMessage();
            finish(job, JobState.FAILED, message, message);
        } finally {
            running.remove(job.id());
        }
    }

    private void finish(TrainingJob job, JobState next, String error, String reason) {
        if (store.transition(job.id(), JobState.RUNNING, next, error, clock.instant())) {
            store.find(job.id()).ifPresent(updated ->
                    events.publishEvent(new JobStateChanged(updated, JobState.RUNNING, next, reason)));
        } else if (storedState(job) == next) {
            log.info("job {} was already {} (a cancel reached the store first)", job.id(), next);
        } else {
            log.warn("job {} could not move from RUNNING to {}: its state changed meanwhile", job.id(), next);
        }
    }

    /** The job's state in the store now; CANCELLED if it is gone. */
    private JobState storedState(TrainingJob job) {
        return store.find(job.id()).map(TrainingJob::state).orElse(JobState.CANCELLED);
    }

    private static void sleepQuietly(int seconds) {
        try {
            Thread.sleep(seconds * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
