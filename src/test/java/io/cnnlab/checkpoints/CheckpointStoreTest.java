package io.cnnlab.checkpoints;

import io.cnnlab.jobs.JobLease;
import io.cnnlab.jobs.JobStore;
import io.cnnlab.jobs.LeaseLostException;
import io.cnnlab.jobs.NewJob;
import io.cnnlab.jobs.TestDatabase;
import io.cnnlab.storage.TestStores;
import io.cnnlab.jobs.TrainingProperties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Checkpoint files and their rows, in H2 and in PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class CheckpointStoreTest {

    @TempDir
    Path home;

    private final JdbcClient jdbc;
    private final JobStore jobs;
    private String job;
    private JobLease lease;
    private CheckpointStore store;

    CheckpointStoreTest(TestDatabase database) {
        DataSource dataSource = database.dataSource();
        this.jdbc = JdbcClient.create(dataSource);
        this.jobs = TestDatabase.jobStore(dataSource);
    }

    @BeforeEach
    void setUp() {
        store = new CheckpointStore(TestStores.directory(home),
                new TrainingProperties(1, 10, 0, 2, Duration.ofSeconds(5), Duration.ofSeconds(1), 60, Duration.ofSeconds(30),
                        TrainingProperties.Engine.ONEDNN),
                jdbc, Clock.systemUTC(), jobs);
        job = jobs.insert(new NewJob("baseline", "m", "{}", "alice", null, null), Instant.now(), 10).job().id();
        lease = JobLease.of(jobs.claimNext("instance-a", Duration.ofMinutes(5), Instant.now()).orElseThrow());
    }

    private Checkpoint save(long step, Double accuracy) {
        return save(lease, step, accuracy);
    }

    private Checkpoint save(JobLease by, long step, Double accuracy) {
        return store.save(by, step, (int) step / 10, accuracy, out -> out.write(("network at step " + step).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aCheckpointIsAWholeFileWithItsSha256AndNoTemporaryLeftBehind() throws IOException {
        Checkpoint checkpoint = save(10, 0.4);

        Path file = home.resolve(store.key(checkpoint));
        assertThat(file).hasFileName("step-000000010-attempt-1.zip").hasContent("network at step 10");
        assertThat(checkpoint.sizeBytes()).isEqualTo(Files.size(file));
        assertThat(checkpoint.sha256()).isEqualTo("%064x".formatted(new java.math.BigInteger(1,
                sha256("network at step 10"))));
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
        try (InputStream in = store.open(checkpoint)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("network at step 10");
        }
    }

    @Test
    void retentionKeepsTheNewestAndTheBest() {
        save(10, 0.30);
        save(20, 0.60); // best
        save(25, null); // mid-epoch
        save(30, 0.50);
        save(40, 0.55);

        assertThat(store.list(job)).extracting(Checkpoint::step).containsExactly(40L, 30L, 20L);
        assertThat(store.best(job)).map(Checkpoint::step).contains(20L);
        assertThat(home.resolve("checkpoints").resolve(job).resolve("step-000000010-attempt-1.zip")).doesNotExist();
        assertThat(home.resolve("checkpoints").resolve(job).resolve("step-000000025-attempt-1.zip")).doesNotExist();
    }

    @Test
    void aFlippedBitIsDetectedAndTheFileNeverOpened() throws IOException {
        Checkpoint checkpoint = save(10, 0.4);
        Path file = home.resolve(store.key(checkpoint));
        byte[] bytes = Files.readAllBytes(file);
        bytes[3] ^= 0x10;
        Files.write(file, bytes);

        assertThatThrownBy(() -> store.open(checkpoint))
                .isInstanceOf(CorruptCheckpointException.class).hasMessageContaining("corrupt");
    }

    @Test
    void aTruncatedOrMissingFileIsDetected() throws IOException {
        Checkpoint truncated = save(10, 0.4);
        Files.write(home.resolve(store.key(truncated)), new byte[3]);
        Checkpoint missing = save(20, 0.5);
        Files.delete(home.resolve(store.key(missing)));

        assertThatThrownBy(() -> store.open(truncated)).isInstanceOf(CorruptCheckpointException.class);
        assertThatThrownBy(() -> store.open(missing)).isInstanceOf(CorruptCheckpointException.class)
                .hasMessageContaining("missing");
    }

    @Test
    void aFailedWriteLeavesThePreviousCheckpointIntactAndNoRow() {
        Checkpoint good = save(10, 0.4);

        assertThatThrownBy(() -> store.save(lease, 20, 2, 0.5, out -> {
            out.write(new byte[100]);
            throw new IOException("No space left on device");
        })).isInstanceOf(UncheckedIOException.class).hasMessageContaining("No space left on device");

        assertThat(store.list(job)).extracting(Checkpoint::step).containsExactly(10L);
        assertThat(store.open(good)).isNotNull();
        try (var files = Files.list(home.resolve(store.key(good)).getParent())) {
            assertThat(files).hasSize(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void onlyJobIdsReachTheFileSystem() {
        assertThatThrownBy(() -> store.save(new JobLease("../../etc", "instance-a", 1), 1, 1, null, out -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStalledAttemptsCheckpointIsRefusedItsFileDeletedAndTheNewAttemptsKept() throws IOException {
        Checkpoint before = save(10, 0.3);
        // the lease of attempt 1 runs out; attempt 2 takes the job and checkpoints the same step
        jdbc.sql("update training_job set lease_expires_at = ? where id = ?")
                .params(Timestamp.from(Instant.now().minusSeconds(60)), job).update();
        JobLease takeover = JobLease.of(jobs.claimNext("instance-b", Duration.ofMinutes(5), Instant.now()).orElseThrow());
        Checkpoint current = save(takeover, 20, 0.5);

        assertThatThrownBy(() -> save(lease, 20, 0.9)).isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(() -> save(lease, 30, 0.9)).isInstanceOf(LeaseLostException.class);

        assertThat(store.list(job)).extracting(Checkpoint::step).containsExactly(20L, 10L);
        assertThat(store.best(job)).contains(current);
        try (var files = Files.list(storePath(current).getParent())) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder("step-000000010-attempt-1.zip", "step-000000020-attempt-2.zip");
        }
        try (InputStream in = store.open(current)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("network at step 20");
        }
        assertThat(store.open(before)).isNotNull();
    }

    @Test
    void filesWithoutARowAreSweptOnceUnlistedForLongerThanTheGrace() throws IOException {
        // the blob store keeps no modification times: the grace runs from the sweep that first saw a file unlisted
        java.util.concurrent.atomic.AtomicReference<Instant> now = new java.util.concurrent.atomic.AtomicReference<>(Instant.now());
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        store = new CheckpointStore(TestStores.directory(home),
                new TrainingProperties(1, 10, 0, 2, Duration.ofSeconds(5), Duration.ofSeconds(1), 60, Duration.ofSeconds(30),
                        TrainingProperties.Engine.ONEDNN),
                jdbc, clock, jobs);
        Checkpoint kept = save(10, 0.3);
        Path directory = storePath(kept).getParent();
        Path orphan = Files.write(directory.resolve("step-000000020-attempt-1.zip"), new byte[] {1});
        Path unrelated = Files.write(directory.resolve("notes.txt"), new byte[] {3});

        assertThat(store.sweepOrphanFiles(Duration.ofMinutes(10))).as("too young to tell").isZero();
        now.set(now.get().plusSeconds(3600));

        assertThat(store.sweepOrphanFiles(Duration.ofMinutes(10))).isEqualTo(1);
        assertThat(orphan).doesNotExist();
        assertThat(unrelated).exists();
        assertThat(storePath(kept)).exists();
    }

    private Path storePath(Checkpoint checkpoint) {
        return home.resolve(store.key(checkpoint));
    }

    private static byte[] sha256(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
