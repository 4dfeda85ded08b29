package io.cnnlab.jobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import javax.sql.DataSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store on the service's real migrations, in H2 and in PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcJobStoreTest {

    /** The store never reads the plan: any text goes in and comes back as it was. */
    private static final String PLAN = "{\"any\":\"document\",\"the\":[\"store\",\"does not read\"]}";
    private static final String SHA = "a".repeat(64);

    private static final Duration LEASE = Duration.ofMinutes(1);

    private final TestDatabase database;
    private final DataSource dataSource;
    private final JdbcJobStore store;
    private Instant clock = Instant.parse("2026-01-01T00:00:00Z");

    JdbcJobStoreTest(TestDatabase database) {
        this.database = database;
        this.dataSource = database.dataSource();
        this.store = new JdbcJobStore(dataSource);
    }

    private TrainingJob claim(String owner) {
        return store.claimNext(owner, LEASE, clock).orElseThrow();
    }

    private JobLease claimLease(String owner) {
        return JobLease.of(claim(owner));
    }

    private TrainingJob submit(String key) {
        return submit("alice", key, SHA).job();
    }

    private JobStore.Submitted submit(String caller, String key, String requestSha256) {
        clock = clock.plusSeconds(1);
        return store.insert(new NewJob("baseline", "m", PLAN, caller, key, requestSha256), clock, 1000);
    }

    @Test
    void insertStoresEveryFieldAndThePlanAsGiven() {
        TrainingJob job = submit(null);

        assertThat(job.state()).isEqualTo(JobState.QUEUED);
        assertThat(job.plan()).isEqualTo(PLAN);
        assertThat(job.createdAt()).isEqualTo(clock);
        assertThat(job.attempts()).isZero();
        assertThat(store.find(job.id())).contains(job);
    }

    /** Old jobs and jobs that name nothing train on CIFAR-10 from a new network. */
    @Test
    void aJobKeepsItsDataSetAndTheVersionItStartsFrom() {
        TrainingJob plain = submit(null);
        clock = clock.plusSeconds(1);
        TrainingJob tuned = store.insert(new NewJob("baseline", "m", PLAN, "alice", null, SHA, null, "shapes-1", "cifar-baseline",
                3, true), clock, 1000).job();

        assertThat(plain.dataset()).isEqualTo("cifar10");
        assertThat(plain.initFromModel()).isNull();
        assertThat(plain.initFromVersion()).isNull();
        assertThat(plain.freeze()).isFalse();
        assertThat(store.find(tuned.id()).orElseThrow()).extracting(TrainingJob::dataset, TrainingJob::initFromModel,
                TrainingJob::initFromVersion, TrainingJob::freeze).containsExactly("shapes-1", "cifar-baseline", 3, true);
    }

    /** What keeps a data set from being deleted: its queued and running jobs, not its finished ones. */
    @Test
    void theQueuedAndRunningJobsOfADataSetAreItsUsers() {
        clock = clock.plusSeconds(1);
        String first = store.insert(new NewJob("baseline", "m", PLAN, "alice", null, SHA, null, "shapes", null, null, false),
                clock, 1000).job().id();
        clock = clock.plusSeconds(1);
        String second = store.insert(new NewJob("baseline", "m", PLAN, "alice", null, SHA, null, "shapes", null, null, false),
                clock, 1000).job().id();
        submit(null);

        assertThat(store.activeJobsUsing("shapes")).containsExactly(first, second);
        JobLease running = claimLease("w1");
        assertThat(running.jobId()).isEqualTo(first);
        assertThat(store.activeJobsUsing("shapes")).containsExactly(first, second);
        store.finish(running, JobState.SUCCEEDED, null, clock);
        assertThat(store.transition(second, JobState.QUEUED, JobState.CANCELLED, "x", clock)).isTrue();
        assertThat(store.activeJobsUsing("shapes")).isEmpty();
        assertThat(store.activeJobsUsing("cifar10")).hasSize(1);
    }

    @Test
    void aContinuationNamesItsParentAndAStopReasonIsWrittenOnlyUnderTheLease() {
        TrainingJob parent = submit(null);
        clock = clock.plusSeconds(1);
        TrainingJob child = store.insert(new NewJob("baseline", "m", PLAN, "alice", null, SHA, parent.id(), NewJob.DEFAULT_DATASET, null, null, false), clock, 1000).job();
        assertThat(parent.parentJob()).isNull();
        assertThat(child.parentJob()).isEqualTo(parent.id());

        JobLease first = claimLease("instance-a");
        assertThat(first.jobId()).isEqualTo(parent.id());
        store.recordStopReason(first, "early stopping: enough");
        store.finish(first, JobState.SUCCEEDED, null, clock);
        assertThat(store.find(parent.id()).orElseThrow().stopReason()).isEqualTo("early stopping: enough");
        assertThatThrownBy(() -> store.recordStopReason(first, "again")).isInstanceOf(LeaseLostException.class);
        assertThat(store.find(child.id()).orElseThrow().stopReason()).isNull();
    }

    @Test
    void theSameIdempotencyKeyAndBodyFromTheSameCallerGiveTheSameJob() {
        TrainingJob first = submit("k1");
        JobStore.Submitted again = submit("alice", "k1", SHA);

        assertThat(again.created()).isFalse();
        assertThat(again.job().id()).isEqualTo(first.id());
        assertThat(store.ids()).hasSize(1);
    }

    @Test
    void theSameIdempotencyKeyFromAnotherCallerIsAnotherSubmission() {
        TrainingJob alices = submit("k1");
        JobStore.Submitted bobs = submit("bob", "k1", SHA);

        assertThat(bobs.created()).isTrue();
        assertThat(bobs.job().id()).isNotEqualTo(alices.id());
        assertThat(store.ids()).hasSize(2);
    }

    @Test
    void theSameIdempotencyKeyWithAnotherBodyIsRefusedAndStoresNothing() {
        TrainingJob first = submit("k1");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> submit("alice", "k1", "b".repeat(64)))
                .isInstanceOf(IdempotencyKeyReusedException.class)
                .hasMessageContaining("'k1'").hasMessageContaining(first.id())
                .hasMessageContaining("different request body");
        assertThat(store.ids()).containsExactly(first.id());
    }

    @Test
    void aRowOfTheVersion2SchemaReadsBackAfterTheUpgradeWithItsPlanAndKey() {
        javax.sql.DataSource db = database.empty();
        TestDatabase.migrate(db, "2");
        String old = "{\"epochs\":3,\"maxSteps\":500,\"batchSize\":64,\"learningRate\":0.04,\"learningRateDecay\":0.9,"
                + "\"learningRateDecaySteps\":700,\"seed\":7,\"randomCrop\":false,\"flip\":true,\"maxBrightnessDelta\":20.0,"
                + "\"minContrast\":0.5,\"maxContrast\":1.5,\"weightStddev\":0.05,\"biasInit\":0.2}";
        var jdbc = org.springframework.jdbc.core.simple.JdbcClient.create(db);
        jdbc.sql("insert into training_job (id, architecture, model_name, state, parameters, idempotency_key, created_at, "
                        + "epoch, step, attempts) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params("6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11", "batchnorm", "old", "RUNNING", old, "old-key",
                        java.sql.Timestamp.from(clock), 2, 150, 1)
                .update();

        TestDatabase.migrate(db, "latest");
        JdbcJobStore upgraded = new JdbcJobStore(db);
        TrainingJob job = upgraded.find("6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11").orElseThrow();

        assertThat(job.state()).isEqualTo(JobState.RUNNING);
        assertThat(job.step()).isEqualTo(150);
        assertThat(job.plan()).isEqualTo(old);
        assertThat(io.cnnlab.training.TrainingPlans.fromJson(job.architecture(), job.plan()))
                .isEqualTo(new io.cnnlab.training.TrainingPlan("batchnorm", 500L, new io.cnnlab.architectures.Recipe(3, 64,
                        new io.cnnlab.architectures.LearningRate(0.04, 0.9, 700), 7,
                        new io.cnnlab.datasets.Augmentation(false, true, 20, 0.5, 1.5), 0.05, 0.2,
                        io.cnnlab.architectures.Recipe.SEED.trainAccuracyEvery())));
        // running before leases existed: no lease to wait for, the next claim resumes it
        TrainingJob resumed = upgraded.claimNext("instance-a", LEASE, clock).orElseThrow();
        assertThat(resumed.id()).isEqualTo(job.id());
        assertThat(resumed.attempts()).isEqualTo(2);
        assertThat(resumed.worker()).isEqualTo("instance-a");
        // the old key belonged to no known caller: it meets no new submission, and the new ones are scoped
        JobStore.Submitted fresh = upgraded.insert(new NewJob("baseline", "m", PLAN, "open-access", "old-key", SHA), clock, 10);
        assertThat(fresh.created()).isTrue();
        assertThat(upgraded.insert(new NewJob("baseline", "m", PLAN, "open-access", "old-key", SHA), clock, 10).job().id())
                .isEqualTo(fresh.job().id());
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
                    var job = store.claimNext("instance-a", LEASE, Instant.now());
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

        assertThat(claim("a").id()).isEqualTo(first);
        assertThat(claim("a").id()).isEqualTo(second);
        assertThat(claim("a").id()).isEqualTo(third);
        assertThat(store.claimNext("a", LEASE, clock)).isEmpty();
    }

    @Test
    void aJobReadAsQueuedCannotBeCancelledFromQueuedOnceAWorkerHasClaimedIt() {
        String id = submit(null).id();
        assertThat(store.find(id).orElseThrow().state()).isEqualTo(JobState.QUEUED); // what cancel read

        claim("a"); // a worker was quicker

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
        claim("a");
        assertThat(store.transition(id, JobState.RUNNING, JobState.FAILED, "disk full", clock)).isTrue();
        assertThat(store.transition(id, JobState.QUEUED, JobState.RUNNING, null, clock)).isFalse();
        TrainingJob failed = store.find(id).orElseThrow();
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.error()).isEqualTo("disk full");
        assertThat(failed.finishedAt()).isNotNull();
    }

    @Test
    void atStartAnInstanceRequeuesItsOwnRunningJobsAndOnPostgresqlNoOneElses() {
        String mine = submit(null).id();
        String others = submit(null).id();
        String waiting = submit(null).id();
        claim("instance-a");
        claim("instance-b");

        List<String> requeued = store.requeueAtStart("instance-a");

        if (database == TestDatabase.H2) {
            // an embedded database has one process: whatever is RUNNING was this one's
            assertThat(requeued).containsExactly(mine, others);
        } else {
            assertThat(requeued).containsExactly(mine);
            TrainingJob live = store.find(others).orElseThrow();
            assertThat(live.state()).isEqualTo(JobState.RUNNING);
            assertThat(live.worker()).isEqualTo("instance-b");
        }
        TrainingJob back = store.find(mine).orElseThrow();
        assertThat(back.state()).isEqualTo(JobState.QUEUED);
        assertThat(back.worker()).isNull();
        TrainingJob again = claim("instance-a2");
        assertThat(again.id()).isEqualTo(mine);
        assertThat(again.attempts()).isEqualTo(2);
        assertThat(store.find(waiting).orElseThrow().state()).isEqualTo(JobState.QUEUED);
    }

    @Test
    void epochMetricsAreKeptOncePerEpochAndTheBestAccuracyFollows() {
        String id = submit(null).id();
        JobLease lease = claimLease("a");
        store.recordEpoch(lease, epoch(1, 10, 0.30));
        store.recordEpoch(lease, epoch(2, 20, 0.50));
        store.recordEpoch(lease, epoch(3, 30, 0.40));
        store.recordEpoch(lease, epoch(2, 20, 0.45)); // redone after a resume

        assertThat(store.metrics(id)).extracting(EpochRecord::testAccuracy).containsExactly(0.30, 0.45, 0.40);
        assertThat(store.find(id).orElseThrow().bestTestAccuracy()).isEqualTo(0.45);
        store.deleteMetricsAfter(lease, 20);
        assertThat(store.metrics(id)).extracting(EpochRecord::epoch).containsExactly(1, 2);
    }

    @Test
    void eachEpochKeepsItsConfusionMatrixWhichOnlyTheLastEpochReadReturns() {
        String id = submit(null).id();
        String none = submit(null).id();
        JobLease lease = claimLease("a");
        String big = "{\"labels\":[\"x\",\"y\"],\"cells\":[" + "[0,1,2],".repeat(20_000) + "[1,1,3]]}";
        store.recordEpoch(lease, withConfusion(epoch(1, 10, 0.30), "{\"labels\":[\"x\"],\"cells\":[[0,0,1]]}"));
        store.recordEpoch(lease, withConfusion(epoch(2, 20, 0.50), big));

        assertThat(store.lastEpoch(id)).hasValueSatisfying(last -> {
            assertThat(last.epoch()).isEqualTo(2);
            assertThat(last.step()).isEqualTo(20);
            assertThat(last.testConfusion()).as("a long matrix comes back whole").isEqualTo(big);
        });
        assertThat(store.metrics(id)).as("the metrics rows stay small").extracting(EpochRecord::testConfusion)
                .containsExactly(null, null);
        assertThat(store.latestMetrics(List.of(id)).get(id).testConfusion()).isNull();
        assertThat(store.lastEpoch(none)).isEmpty();

        // an epoch recorded before matrices were kept (V10) reads back without one
        store.recordEpoch(lease, epoch(3, 30, 0.40));
        assertThat(store.lastEpoch(id)).hasValueSatisfying(last -> {
            assertThat(last.epoch()).isEqualTo(3);
            assertThat(last.testConfusion()).isNull();
        });
    }

    @Test
    void latestMetricsGiveEachJobItsLastEpochInOneRead() {
        String a = submit(null).id();
        String b = submit(null).id();
        String none = submit(null).id();
        JobLease leaseA = claimLease("w");
        JobLease leaseB = claimLease("w");
        store.recordEpoch(leaseA, epoch(1, 10, 0.30));
        store.recordEpoch(leaseA, epoch(2, 20, 0.50));
        store.recordEpoch(leaseB, epoch(1, 15, 0.60));
        store.recordEpoch(leaseA, epoch(3, 30, 0.40));

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
        claim("a");

        assertThat(store.list(null, 0, 10)).extracting(TrainingJob::id).containsExactly(c, b, a);
        assertThat(store.list(JobState.QUEUED, 0, 10)).extracting(TrainingJob::id).containsExactly(c, b);
        assertThat(store.list(null, 1, 2)).extracting(TrainingJob::id).containsExactly(a);
        assertThat(store.countByState()).containsEntry(JobState.RUNNING, 1L).containsEntry(JobState.QUEUED, 2L)
                .containsEntry(JobState.FAILED, 0L);
    }

    private static EpochRecord withConfusion(EpochRecord e, String confusion) {
        return new EpochRecord(e.epoch(), e.step(), e.trainLoss(), e.trainAccuracy(), e.testLoss(), e.testAccuracy(),
                e.imagesPerSecond(), e.seconds(), e.dataWaitShare(), e.learningRate(), confusion);
    }

    private static EpochRecord epoch(int epoch, long step, double accuracy) {
        return new EpochRecord(epoch, step, 1.0, 0.5, 1.1, accuracy, 1000, 10, 0.01, 1e-4);
    }
}
