package io.cnnlab.checkpoints;

import io.cnnlab.jobs.TestDatabase;
import io.cnnlab.storage.TestStores;
import io.cnnlab.jobs.TrainingProperties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.simple.JdbcClient;

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
    private final String job = UUID.randomUUID().toString();
    private CheckpointStore store;

    CheckpointStoreTest(TestDatabase database) {
        this.jdbc = database.create();
    }

    @BeforeEach
    void setUp() {
        store = new CheckpointStore(TestStores.directory(home),
                new TrainingProperties(1, 10, 0, 2, Duration.ofSeconds(5), Duration.ofSeconds(1), 60), jdbc,
                Clock.systemUTC());
        jdbc.sql("insert into training_job (id, architecture, model_name, state, plan, created_at) values (?, 'baseline', 'm', 'RUNNING', '{}', ?)")
                .params(job, Timestamp.from(Instant.now())).update();
    }

    private Checkpoint save(long step, Double accuracy) {
        return store.save(job, step, (int) step / 10, accuracy, out -> out.write(("network at step " + step).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aCheckpointIsAWholeFileWithItsSha256AndNoTemporaryLeftBehind() throws IOException {
        Checkpoint checkpoint = save(10, 0.4);

        Path file = home.resolve(store.key(checkpoint));
        assertThat(file).hasFileName("step-000000010.zip").hasContent("network at step 10");
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
        assertThat(home.resolve("checkpoints").resolve(job).resolve("step-000000010.zip")).doesNotExist();
        assertThat(home.resolve("checkpoints").resolve(job).resolve("step-000000025.zip")).doesNotExist();
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

        assertThatThrownBy(() -> store.save(job, 20, 2, 0.5, out -> {
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
        assertThatThrownBy(() -> store.save("../../etc", 1, 1, null, out -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] sha256(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
