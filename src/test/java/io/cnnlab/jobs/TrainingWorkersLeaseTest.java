package io.cnnlab.jobs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker pool with its heartbeat on a real store: a run whose job another instance took over stops without
 * touching the job again, and a cancel written by another instance stops a run here. The executor is a plain loop
 * that reports progress every few milliseconds (what the trainer does per batch), so no network is trained.
 */
class TrainingWorkersLeaseTest {

    private final DataSource dataSource = TestDatabase.H2.dataSource();
    private final JdbcJobStore store = new JdbcJobStore(dataSource);
    private final JdbcClient jdbc = JdbcClient.create(dataSource);
    private final AtomicReference<JobExecutor.Result> ended = new AtomicReference<>();
    private final AtomicReference<Throwable> thrown = new AtomicReference<>();
    private final AtomicLong steps = new AtomicLong();
    private final TrainingWorkers workers = new TrainingWorkers(store, this::loop,
            new TrainingProperties(1, 10, 0, 3, Duration.ofSeconds(5), Duration.ofMillis(10), 60, Duration.ofSeconds(1),
                    TrainingProperties.Engine.ONEDNN),
            Clock.systemUTC(), event -> { }, new InstanceId("instance-a"));

    private JobExecutor.Result loop(TrainingJob job, JobControl control) throws InterruptedException {
        try {
            while (!control.stopRequested()) {
                long step = steps.incrementAndGet();
                control.reportProgress(new JobControl.Progress(1, step, 1_000_000, 100, 10, 0.5));
                Thread.sleep(5);
            }
            ended.set(JobExecutor.Result.STOPPED);
            return JobExecutor.Result.STOPPED;
        } catch (RuntimeException e) {
            thrown.set(e);
            throw e;
        }
    }

    @AfterEach
    void stop() {
        workers.stop();
    }

    private String runningJob() {
        String id = store.insert(new NewJob("baseline", "m", "{}", "alice", null, null), Instant.now(), 10).job().id();
        workers.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.find(id).orElseThrow().step() > 0);
        return id;
    }

    @Test
    void aRunWhoseJobWasTakenOverStopsAndWritesNothingMore() {
        String id = runningJob();
        // instance-a stalls past its lease (simulated: the lease is moved into the past) and instance-b takes the job
        jdbc.sql("update training_job set lease_expires_at = ? where id = ?")
                .params(Timestamp.from(Instant.now().minusSeconds(60)), id).update();
        JobLease takeover = JobLease.of(store.claimNext("instance-b", Duration.ofMinutes(5), Instant.now()).orElseThrow());
        store.updateProgress(takeover, 1, 7, 1_000_000, 1, 1);

        await().atMost(Duration.ofSeconds(10)).until(() -> ended.get() != null || thrown.get() != null);
        await().atMost(Duration.ofSeconds(5)).until(() -> workers.progress(id).isEmpty());

        TrainingJob job = store.find(id).orElseThrow();
        assertThat(job.state()).isEqualTo(JobState.RUNNING);
        assertThat(job.worker()).isEqualTo("instance-b");
        assertThat(job.attempts()).isEqualTo(2);
        assertThat(job.step()).as("instance-a's progress stopped landing").isEqualTo(7);
        if (thrown.get() != null) {
            assertThat(thrown.get()).isInstanceOf(LeaseLostException.class);
        }
    }

    @Test
    void aCancelWrittenByAnotherInstanceStopsTheRunAtTheNextHeartbeat() {
        String id = runningJob();

        assertThat(store.requestCancel(id)).isTrue();

        await().atMost(Duration.ofSeconds(3)).until(() -> store.find(id).orElseThrow().state() == JobState.CANCELLED);
        TrainingJob job = store.find(id).orElseThrow();
        assertThat(job.error()).isEqualTo("cancelled by request");
        assertThat(job.worker()).isEqualTo("instance-a");
        assertThat(ended.get()).isEqualTo(JobExecutor.Result.STOPPED);
    }

    @Test
    void theHeartbeatRenewsEveryThirdOfTheLeaseAndAtLeastEveryTwoSeconds() {
        assertThat(TrainingWorkers.heartbeatPeriod(Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(1));
        assertThat(TrainingWorkers.heartbeatPeriod(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void withNoWorkersNothingIsClaimedAndThePoolCountsAsAlive() {
        TrainingWorkers none = new TrainingWorkers(store, this::loop,
                new TrainingProperties(0, 10, 0, 3, Duration.ofSeconds(5), Duration.ofMillis(10), 60, Duration.ofSeconds(1),
                    TrainingProperties.Engine.ONEDNN),
                Clock.systemUTC(), event -> { }, new InstanceId("api-1"));
        String id = store.insert(new NewJob("baseline", "m", "{}", "alice", null, null), Instant.now(), 10).job().id();
        none.start();
        try {
            assertThat(none.alive()).isTrue();
            // a worker would have claimed it within milliseconds; it waits for an instance that has one
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                    .until(() -> store.find(id).orElseThrow().state() == JobState.QUEUED);
            assertThat(steps).hasValue(0);
        } finally {
            none.stop();
        }
    }
}
