package io.cnnlab;

import io.cnnlab.checkpoints.Checkpoint;
import io.cnnlab.checkpoints.CheckpointStore;
import io.cnnlab.files.DurableFiles;
import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.TrainingJob;
import io.cnnlab.jobs.TrainingJobs;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.networks.ModelFormat;
import io.cnnlab.training.Networks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The disk fails a checkpoint write with a real ENOSPC (the write goes to {@code /dev/full}), and a model file
 * rots on disk: the job fails with the reason and its earlier checkpoint stays whole; the corrupt version is refused
 * and the production version keeps serving.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StorageFaultsTest {

    private static final int STEPS_PER_EPOCH = 5; // 100 generated training images, batch 20

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 20, 8);
        registry.add("cnn.inference.max-loaded-models", () -> "1");
    }

    @Autowired
    TrainingJobs jobs;

    @Autowired
    CheckpointStore checkpoints;

    @Autowired
    ModelRegistry registry;

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    private record Budget(int epochs, int batch) {
    }

    private static Budget epochs(int epochs, int batch) {
        return new Budget(epochs, batch);
    }

    private String train(String model, Budget budget) {
        return jobs.submit(TestJobs.baseline(model, budget.epochs(), null, budget.batch(), 2e-3)).job().id();
    }

    private TrainingJob awaitFinal(String id) {
        await().atMost(Duration.ofMinutes(2)).until(() -> jobs.get(id).state().isFinal());
        return jobs.get(id);
    }

    @Test
    void aFullDiskFailsTheJobWithTheReasonAndLeavesItsLastCheckpointWhole() throws Exception {
        String blocker = train("blocker", epochs(1000, 2)); // holds the only worker while the trap is laid
        String victim = train("victim", epochs(4, 20));
        Path directory = home.resolve("storage").resolve("checkpoints").resolve(victim);
        Files.createDirectories(directory);
        for (int epoch = 2; epoch <= 4; epoch++) {
            // DurableFiles writes ".<name>.tmp" first: from epoch 2 on, that write lands on /dev/full
            Files.createSymbolicLink(directory.resolve(".step-%09d.zip.tmp".formatted(epoch * STEPS_PER_EPOCH)), Path.of("/dev/full"));
        }
        assertThat(jobs.get(victim).state()).isEqualTo(JobState.QUEUED);
        jobs.cancel(blocker);

        TrainingJob failed = awaitFinal(victim);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.error()).contains("cannot write checkpoint at step 10").contains("No space left on device");

        List<Checkpoint> kept = checkpoints.list(victim);
        assertThat(kept).extracting(Checkpoint::step).containsExactly((long) STEPS_PER_EPOCH);
        assertThat(DurableFiles.sha256(home.resolve("storage").resolve(checkpoints.key(kept.get(0))))).isEqualTo(kept.get(0).sha256());
        try (InputStream in = checkpoints.open(kept.get(0))) {
            assertThat(Networks.steps(ModelFormat.read(in))).isEqualTo(STEPS_PER_EPOCH); // loadable, not just present
        }
        assertThat(registry.models()).extracting(ModelRegistry.Model::name).doesNotContain("victim");

        // the service lives on: ready, and the next job trains, registers and classifies
        assertThat(get("/actuator/health/readiness").statusCode()).isEqualTo(200);
        String next = train("after-disk-full", epochs(1, 20));
        assertThat(awaitFinal(next).state()).isEqualTo(JobState.SUCCEEDED);
        await().atMost(Duration.ofSeconds(30)).until(() -> registry.models().stream().anyMatch(m -> m.name().equals("after-disk-full")));
        assertThat(classify("after-disk-full").statusCode()).isEqualTo(200);
    }

    @Test
    void aCorruptModelFileIsRefusedAndProductionKeepsServingTheOldVersion() throws Exception {
        for (int i = 0; i < 2; i++) {
            assertThat(awaitFinal(train("rotting", epochs(1, 20))).state()).isEqualTo(JobState.SUCCEEDED);
            int expected = i + 1;
            await().atMost(Duration.ofSeconds(30)).until(() -> registry.models().stream()
                    .anyMatch(m -> m.name().equals("rotting") && m.versions().size() == expected));
            if (i == 0) {
                assertThat(put("/api/v1/models/rotting/aliases/production", "{\"version\":1}").statusCode()).isEqualTo(200);
            }
        }
        assertThat(classify("rotting").body()).contains("\"version\":1");
        classifyVersion("rotting", 1); // v1 is the one model kept in memory (max-loaded-models=1)

        Path file = home.resolve("storage").resolve(registry.key(registry.version("rotting", 2)));
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(raf.length() / 2);
            int b = raf.read();
            raf.seek(raf.length() / 2);
            raf.write(b ^ 0x10); // one bit
        }

        HttpResponse<String> promote = put("/api/v1/models/rotting/aliases/production", "{\"version\":2}");
        assertThat(promote.statusCode()).isEqualTo(503);
        assertThat(promote.body()).contains("urn:problem-type:cnn-lab:model-unavailable").contains("sha256").contains("refusing to load");
        assertThat(registry.byAlias("rotting", "production").version()).isEqualTo(1);
        HttpResponse<String> served = classify("rotting");
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.body()).contains("\"version\":1");

        // truncated: the same refusal
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() / 3);
        }
        assertThat(classifyVersion("rotting", 2).statusCode()).isEqualTo(503);
        assertThat(classify("rotting").statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> put(String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> classify(String model) throws Exception {
        return post("/api/v1/models/" + model + "/classify");
    }

    private HttpResponse<String> classifyVersion(String model, int version) throws Exception {
        return post("/api/v1/models/" + model + "/versions/" + version + "/classify");
    }

    private HttpResponse<String> post(String path) throws Exception {
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        image.setRGB(3, 3, 0xff8800);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(png.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
