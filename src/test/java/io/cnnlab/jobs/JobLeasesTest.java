package io.cnnlab.jobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Claims, leases and fencing on the service's real migrations, in H2 and in PostgreSQL, with two stores on two
 * connection pools where PostgreSQL lets two instances share the database (one pool on H2, which one process owns).
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JobLeasesTest {

    private static final Duration LONG = Duration.ofMinutes(5);
    private static final Duration SHORT = Duration.ofSeconds(1);

    private final DataSource first;
    private final JdbcJobStore a;
    private final JdbcJobStore b;
    private final JdbcClient jdbc;
    private final Instant now = Instant.parse("2026-01-01T00:00:00Z");

    JobLeasesTest(TestDatabase database) {
        this.first = database.dataSource();
        this.a = new JdbcJobStore(first);
        this.b = new JdbcJobStore(TestDatabase.anotherPool(first));
        this.jdbc = JdbcClient.create(first);
    }

    private String submit() {
        return a.insert(new NewJob("baseline", "m", "{}", "alice", null, null), now, 100_000).job().id();
    }

    @Test
    void sixteenThreadsOnTwoPoolsClaim500QueuedJobsEachExactlyOnce() throws Exception {
        List<String> submitted = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            // straight in: what is tested is the claim, and 500 submissions one by one would take seconds
            String id = java.util.UUID.randomUUID().toString();
            jdbc.sql("insert into training_job (id, architecture, model_name, state, plan, created_at) "
                    + "values (?, 'baseline', 'm', 'QUEUED', '{}', ?)")
                    .params(id, java.sql.Timestamp.from(now.plusMillis(i))).update();
            submitted.add(id);
        }
        Map<String, String> claimedBy = new ConcurrentHashMap<>();
        List<String> claims = Collections.synchronizedList(new ArrayList<>());
        ExecutorService threads = Executors.newFixedThreadPool(16);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            JdbcJobStore store = t % 2 == 0 ? a : b;
            String owner = "instance-" + (t % 2) + "-thread-" + t;
            done.add(threads.submit((Callable<Void>) () -> {
                for (var job = store.claimNext(owner, LONG, now); job.isPresent(); job = store.claimNext(owner, LONG, now)) {
                    claims.add(job.get().id());
                    claimedBy.put(job.get().id(), owner);
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(2, TimeUnit.MINUTES);
        }
        threads.shutdown();

        assertThat(claims).hasSize(500).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(submitted);
        assertThat(jdbc.sql("select count(*) from training_job where state = 'RUNNING' and attempts = 1")
                .query(Long.class).single()).isEqualTo(500);
        jdbc.sql("select id, owner from training_job").query((rs, i) -> {
            assertThat(rs.getString("owner")).isEqualTo(claimedBy.get(rs.getString("id")));
            return null;
        }).list();
    }

    @Test
    void aLeaseThatIsNotRenewedExpiresAndAnotherInstanceTakesTheJobAsTheNextAttempt() {
        String id = submit();
        TrainingJob first = a.claimNext("instance-a", SHORT, now).orElseThrow();
        assertThat(first.attempts()).isEqualTo(1);
        assertThat(first.worker()).isEqualTo("instance-a");
        assertThat(b.claimNext("instance-b", LONG, now)).as("held for a second").isEmpty();

        TrainingJob taken = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> b.claimNext("instance-b", LONG, now).orElse(null), java.util.Objects::nonNull);

        assertThat(taken.id()).isEqualTo(id);
        assertThat(taken.attempts()).isEqualTo(2);
        assertThat(taken.worker()).isEqualTo("instance-b");
        assertThat(taken.state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void aRenewedLeaseIsNotTaken() {
        submit();
        JobLease lease = JobLease.of(a.claimNext("instance-a", Duration.ofMillis(1), now).orElseThrow());

        assertThat(a.renew(lease, LONG)).isEqualTo(JobStore.Renewal.HELD);

        assertThat(b.claimNext("instance-b", LONG, now)).isEmpty();
    }

    @Test
    void afterATakeoverEveryWriteOfTheOldAttemptIsRefusedAndLeavesNoTrace() {
        String id = submit();
        JobLease old = JobLease.of(a.claimNext("instance-a", Duration.ofMillis(1), now).orElseThrow());
        a.updateProgress(old, 1, 10, 100, 50, 90);
        a.recordEpoch(old, epoch(1, 10, 0.3));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.claimNext("instance-b", LONG, now).isPresent());
        JobLease current = new JobLease(id, "instance-b", 2);
        b.updateProgress(current, 1, 12, 100, 60, 80);
        b.recordEpoch(current, epoch(1, 10, 0.35));

        assertThatThrownBy(() -> a.updateProgress(old, 2, 20, 100, 50, 10)).isInstanceOf(LeaseLostException.class)
                .hasMessageContaining("attempt 1");
        assertThatThrownBy(() -> a.recordEpoch(old, epoch(2, 20, 0.9))).isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(() -> a.recordEpoch(old, epoch(1, 10, 0.9))).isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(() -> a.deleteMetricsAfter(old, 0)).isInstanceOf(LeaseLostException.class);
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> a.whileHeld(old, ran::incrementAndGet)).isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(() -> a.finish(old, JobState.SUCCEEDED, null, now)).isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(() -> a.finish(old, JobState.QUEUED, null, now)).isInstanceOf(LeaseLostException.class);
        assertThat(a.renew(old, LONG)).isEqualTo(JobStore.Renewal.LOST);

        assertThat(ran).hasValue(0);
        TrainingJob job = a.find(id).orElseThrow();
        assertThat(job.state()).isEqualTo(JobState.RUNNING);
        assertThat(job.worker()).isEqualTo("instance-b");
        assertThat(job.attempts()).isEqualTo(2);
        assertThat(job.step()).isEqualTo(12);
        assertThat(job.imagesPerSecond()).isEqualTo(60.0);
        assertThat(job.bestTestAccuracy()).isEqualTo(0.35);
        assertThat(a.metrics(id)).extracting(EpochRecord::testAccuracy).containsExactly(0.35);

        b.finish(current, JobState.SUCCEEDED, null, now);
        TrainingJob finished = a.find(id).orElseThrow();
        assertThat(finished.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(finished.worker()).as("the view's worker: who ran it").isEqualTo("instance-b");
    }

    @Test
    void aCancelFromAnotherInstanceReachesTheHoldersHeartbeat() {
        String id = submit();
        JobLease lease = JobLease.of(a.claimNext("instance-a", LONG, now).orElseThrow());

        assertThat(b.requestCancel(id)).isTrue();
        assertThat(b.cancelAbandoned(id, "cancelled by request", now)).as("a live holder finishes it").isFalse();

        assertThat(a.renew(lease, LONG)).isEqualTo(JobStore.Renewal.CANCEL_REQUESTED);
        a.finish(lease, JobState.CANCELLED, "cancelled by request", now);
        assertThat(b.find(id).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
        assertThat(b.requestCancel(id)).as("only a RUNNING job is asked").isFalse();
    }

    @Test
    void aCancelledJobWhoseHolderIsGoneIsCancelledByTheCaller() {
        String id = submit();
        JobLease lease = JobLease.of(a.claimNext("instance-a", Duration.ofMillis(1), now).orElseThrow());

        assertThat(b.requestCancel(id)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> b.cancelAbandoned(id, "cancelled by request", now));

        assertThat(b.find(id).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
        assertThat(a.renew(lease, LONG)).isEqualTo(JobStore.Renewal.LOST);
        assertThat(b.claimNext("instance-b", LONG, now)).isEmpty();
    }

    @Test
    void theQueueBoundHoldsForTwoStoresSubmittingAtOnce() throws Exception {
        int bound = 10;
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            JdbcJobStore store = i % 2 == 0 ? a : b;
            done.add(threads.submit(() -> {
                try {
                    store.insert(new NewJob("baseline", "m", "{}", "alice", null, null), now, bound);
                    accepted.incrementAndGet();
                } catch (QueueFullException e) {
                    refused.incrementAndGet();
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(1, TimeUnit.MINUTES);
        }
        threads.shutdown();

        assertThat(accepted).hasValue(bound);
        assertThat(refused).hasValue(30);
        assertThat(a.count(JobState.QUEUED)).isEqualTo(bound);
        // a claimed job frees its place
        a.claimNext("instance-a", LONG, now);
        b.insert(new NewJob("baseline", "m", "{}", "alice", null, null), now, bound);
        assertThat(a.count(JobState.QUEUED)).isEqualTo(bound);
    }

    private static EpochRecord epoch(int epoch, long step, double accuracy) {
        return new EpochRecord(epoch, step, 1.0, 0.5, 1.1, accuracy, 1000, 10, 0.01, 1e-4);
    }
}
