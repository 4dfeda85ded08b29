package io.cnnlab.jobs;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The store on the service's real migrations in H2. */
class JdbcJobStoreTest {

    private static final JobParameters PARAMETERS =
            new JobParameters(2, null, 16, 1e-4, 1, 1000, 42, true, true, 63, 0.2, 1.8, 0.1, 0.1);

    private final JdbcJobStore store = new JdbcJobStore(TestDatabase.create(), JsonMapper.builder().build());
    private Instant clock = Instant.parse("2026-01-01T00:00:00Z");

    private TrainingJob submit(String key) {
        clock = clock.plusSeconds(1);
        return store.insert(new NewJob("baseline", "m", PARAMETERS, key), clock).job();
    }

    @Test
    void insertStoresEveryFieldAndTheParameters() {
        TrainingJob job = submit(null);

        assertThat(job.state()).isEqualTo(JobState.QUEUED);
        assertThat(job.parameters()).isEqualTo(PARAMETERS);
        assertThat(job.createdAt()).isEqualTo(clock);
        assertThat(job.attempts()).isZero();
        assertThat(store.find(job.id())).contains(job);
    }

    @Test
    void theSameIdempotencyKeyGivesTheSameJob() {
        TrainingJob first = submit("k1");
        JobStore.Submitted again = store.insert(new NewJob("factorized", "x", PARAMETERS, "k1"), clock);

        assertThat(again.created()).isFalse();
        assertThat(again.job().id()).isEqualTo(first.id());
        assertThat(store.ids()).hasSize(1);
    }

    @Test
    void claimsTakeTheOldestQueuedJobAndNeverTheSameTwice() throws InterruptedException {
        List<String> submitted = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            submitted.add(submit(null).id());
        }
        List<String> claimed = Collections.synchronizedList(new ArrayList<>());
        ExecutorService workers = Executors.newFixedThreadPool(6);
        for (int w = 0; w < 6; w++) {
            workers.submit(() -> {
                while (true) {
                    var job = store.claimNext(Instant.now());
                    if (job.isEmpty()) {
                        return;
                    }
                    claimed.add(job.get().id());
                }
            });
        }
        workers.shutdown();
        assertThat(workers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        assertThat(claimed).hasSize(30).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(submitted);
        assertThat(store.count(JobState.RUNNING)).isEqualTo(30);
        submitted.forEach(id -> assertThat(store.find(id).orElseThrow().attempts()).isEqualTo(1));
    }

    @Test
    void aSingleClaimerGetsJobsInSubmissionOrder() {
        String first = submit(null).id();
        String second = submit(null).id();
        String third = submit(null).id();

        assertThat(store.claimNext(clock).orElseThrow().id()).isEqualTo(first);
        assertThat(store.claimNext(clock).orElseThrow().id()).isEqualTo(second);
        assertThat(store.claimNext(clock).orElseThrow().id()).isEqualTo(third);
        assertThat(store.claimNext(clock)).isEmpty();
    }

    @Test
    void aJobReadAsQueuedCannotBeCancelledFromQueuedOnceAWorkerHasClaimedIt() {
        String id = submit(null).id();
        assertThat(store.find(id).orElseThrow().state()).isEqualTo(JobState.QUEUED); // what cancel read

        store.claimNext(clock); // a worker was quicker

        assertThat(store.transition(id, JobState.QUEUED, JobState.CANCELLED, "cancelled by request", clock)).isFalse();
        assertThat(store.find(id).orElseThrow().state()).isEqualTo(JobState.RUNNING);
        assertThat(store.transition(id, JobState.RUNNING, JobState.CANCELLED, "cancelled by request", clock)).isTrue();
    }

    @Test
    void aMoveTheStateTableForbidsIsRefusedOutright() {
        String id = submit(null).id();

        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> store.transition(id, JobState.QUEUED, JobState.SUCCEEDED, null, clock));
    }

    @Test
    void transitionsFollowTheStateTable() {
        String id = submit(null).id();

        assertThat(store.transition(id, JobState.RUNNING, JobState.SUCCEEDED, null, clock)).isFalse();
        store.claimNext(clock);
        assertThat(store.transition(id, JobState.RUNNING, JobState.FAILED, "disk full", clock)).isTrue();
        assertThat(store.transition(id, JobState.QUEUED, JobState.RUNNING, null, clock)).isFalse();
        TrainingJob failed = store.find(id).orElseThrow();
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.error()).isEqualTo("disk full");
        assertThat(failed.finishedAt()).isNotNull();
    }

    @Test
    void runningJobsOfACrashedProcessGoBackToTheQueue() {
        String a = submit(null).id();
        String b = submit(null).id();
        store.claimNext(clock);

        assertThat(store.requeueRunning()).containsExactly(a);
        assertThat(store.find(a).orElseThrow().state()).isEqualTo(JobState.QUEUED);
        assertThat(store.claimNext(clock).orElseThrow().id()).isEqualTo(a);
        assertThat(store.find(a).orElseThrow().attempts()).isEqualTo(2);
        assertThat(store.find(b).orElseThrow().state()).isEqualTo(JobState.QUEUED);
    }

    @Test
    void epochMetricsAreKeptOncePerEpochAndTheBestAccuracyFollows() {
        String id = submit(null).id();
        store.recordEpoch(id, epoch(1, 10, 0.30));
        store.recordEpoch(id, epoch(2, 20, 0.50));
        store.recordEpoch(id, epoch(3, 30, 0.40));
        store.recordEpoch(id, epoch(2, 20, 0.45)); // redone after a resume

        assertThat(store.metrics(id)).extracting(EpochRecord::testAccuracy).containsExactly(0.30, 0.45, 0.40);
        assertThat(store.find(id).orElseThrow().bestTestAccuracy()).isEqualTo(0.45);
        store.deleteMetricsAfter(id, 20);
        assertThat(store.metrics(id)).extracting(EpochRecord::epoch).containsExactly(1, 2);
    }

    @Test
    void latestMetricsGiveEachJobItsLastEpochInOneRead() {
        String a = submit(null).id();
        String b = submit(null).id();
        String none = submit(null).id();
        store.recordEpoch(a, epoch(1, 10, 0.30));
        store.recordEpoch(a, epoch(2, 20, 0.50));
        store.recordEpoch(b, epoch(1, 15, 0.60));
        store.recordEpoch(a, epoch(3, 30, 0.40));

        Map<String, EpochRecord> latest = store.latestMetrics(List.of(a, b, none));

        assertThat(latest).containsOnlyKeys(a, b);
        assertThat(latest.get(a).epoch()).isEqualTo(3);
        assertThat(latest.get(a).testAccuracy()).isEqualTo(0.40);
        assertThat(latest.get(b).step()).isEqualTo(15);
        assertThat(store.latestMetrics(List.of(b))).containsOnlyKeys(b);
        assertThat(store.latestMetrics(List.of())).isEmpty();
    }

    @Test
    void listIsNewestFirstAndFiltersByState() {
        String a = submit(null).id();
        String b = submit(null).id();
        String c = submit(null).id();
        store.claimNext(clock);

        assertThat(store.list(null, 0, 10)).extracting(TrainingJob::id).containsExactly(c, b, a);
        assertThat(store.list(JobState.QUEUED, 0, 10)).extracting(TrainingJob::id).containsExactly(c, b);
        assertThat(store.list(null, 1, 2)).extracting(TrainingJob::id).containsExactly(a);
        assertThat(store.countByState()).containsEntry(JobState.RUNNING, 1L).containsEntry(JobState.QUEUED, 2L)
                .containsEntry(JobState.FAILED, 0L);
    }

    private static EpochRecord epoch(int epoch, long step, double accuracy) {
        return new EpochRecord(epoch, step, 1.0, 0.5, 1.1, accuracy, 1000, 10, 0.01, 1e-4);
    }
}
