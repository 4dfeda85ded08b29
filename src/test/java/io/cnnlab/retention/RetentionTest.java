package io.cnnlab.retention;

import io.cnnlab.ServiceClient;
import io.cnnlab.ServiceFixture;
import io.cnnlab.checkpoints.CheckpointStore;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Retention on a real service with real training: with every age limit at zero and one version per model, a sweep
 * deletes the old unaliased version, the job it came from, a cancelled job, the checkpoints of the finished jobs
 * that stay, and a checkpoint directory no job owns; it keeps the aliased (default) version, the newest one, the
 * jobs they came from, and everything of the job still running.
 */
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RetentionTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 20, 31);
        registry.add("cnn.training.max-submissions-per-minute", () -> "1000");
        registry.add("cnn.retention.finished-jobs", () -> "0s");
        registry.add("cnn.retention.checkpoints-of-finished-jobs", () -> "0s");
        registry.add("cnn.retention.versions-per-model", () -> "1");
    }

    @LocalServerPort
    int port;

    private ServiceClient client;

    private ServiceClient client() {
        if (client == null) {
            client = new ServiceClient(port);
        }
        return client;
    }

    @Autowired
    Retention retention;

    @Autowired
    CheckpointStore checkpoints;

    @Autowired
    ModelRegistry registry;


    @Test
    @Order(1)
    void aSweepDeletesWhatIsNoLongerNeededAndNothingElse() throws Exception {
        String first = trained();
        String second = trained();
        String third = trained();
        assertThat(client().send("PUT", "/api/v1/models/kept/aliases/production", "{\"version\":1}").statusCode()).isEqualTo(200);
        String cancelled = client().submit("{\"architecture\":\"baseline\",\"epochs\":1000,\"batchSize\":10,\"modelName\":\"other\"}");
        String running = client().submit("{\"architecture\":\"baseline\",\"epochs\":1000,\"batchSize\":10,\"modelName\":\"long\"}");
        // the worker takes the oldest queued job: cancel that one, the other then runs and checkpoints
        assertThat(client().send("POST", "/api/v1/training-jobs/" + cancelled + "/cancel", null).statusCode()).isIn(200, 202);
        await().atMost(Duration.ofMinutes(3)).until(() -> client().state(cancelled).equals("CANCELLED")
                && client().state(running).equals("RUNNING") && !checkpoints.list(running).isEmpty());
        Path orphan = home.resolve("storage").resolve("checkpoints").resolve(UUID.randomUUID().toString());
        Files.createDirectories(orphan);
        Files.write(orphan.resolve("step-000000001.zip"), new byte[] {1, 2, 3});

        Retention.Swept swept = retention.sweep();

        assertThat(registry.model("kept").versions()).extracting(ModelVersion::version).containsExactly(3, 1);
        assertThat(registry.defaultVersion("kept").version()).isEqualTo(1);
        assertThat(client().status("/api/v1/training-jobs/" + second)).as("the job of the deleted version").isEqualTo(404);
        assertThat(client().status("/api/v1/training-jobs/" + cancelled)).isEqualTo(404);
        assertThat(client().status("/api/v1/training-jobs/" + first)).isEqualTo(200);
        assertThat(client().status("/api/v1/training-jobs/" + third)).isEqualTo(200);
        assertThat(checkpoints.list(first)).isEmpty();
        assertThat(checkpoints.list(third)).isEmpty();
        assertThat(home.resolve("storage").resolve("checkpoints").resolve(second)).doesNotExist();
        assertThat(client().state(running)).isEqualTo("RUNNING");
        assertThat(checkpoints.list(running)).isNotEmpty();
        assertThat(orphan).doesNotExist();
        assertThat(swept).isEqualTo(new Retention.Swept(1, 3, 2, 1, 0));
        assertThat(client().read(client().send("GET", "/api/v1/training-jobs/" + first + "/metrics", null)))
                .as("a kept job keeps its history").hasSize(1);

        assertThat(retention.sweep()).as("a second sweep finds nothing").isEqualTo(new Retention.Swept(0, 0, 0, 0, 0));
        client().send("POST", "/api/v1/training-jobs/" + running + "/cancel", null);
    }

    @Test
    @Order(2)
    void aUserDeletesAFinishedJobButNotOneThatRunsAndCannotReuseANameInAnotherCase() throws Exception {
        String finished = client().submit("{\"architecture\":\"baseline\",\"epochs\":1,\"batchSize\":10,\"modelName\":\"Cased\"}");
        await().atMost(Duration.ofMinutes(3)).until(() -> client().state(finished).equals("SUCCEEDED"));
        String running = client().submit("{\"architecture\":\"baseline\",\"epochs\":1000,\"batchSize\":10,\"modelName\":\"later\"}");
        await().atMost(Duration.ofMinutes(3)).until(() -> client().state(running).equals("RUNNING"));

        HttpResponse<String> refused = client().send("DELETE", "/api/v1/training-jobs/" + running, null);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(client().read(refused).get("type").asString()).isEqualTo("urn:problem-type:cnn-lab:state-conflict");
        assertThat(client().send("DELETE", "/api/v1/training-jobs/" + finished, null).statusCode()).isEqualTo(204);
        assertThat(client().status("/api/v1/training-jobs/" + finished)).isEqualTo(404);
        assertThat(home.resolve("storage").resolve("checkpoints").resolve(finished)).doesNotExist();
        assertThat(registry.model("Cased").versions()).as("the version the job became stays").hasSize(1);
        assertThat(client().send("DELETE", "/api/v1/training-jobs/" + finished, null).statusCode()).isEqualTo(404);

        HttpResponse<String> collision = client().send("POST", "/api/v1/training-jobs",
                "{\"architecture\":\"baseline\",\"epochs\":1,\"modelName\":\"cased\"}");
        assertThat(collision.statusCode()).as("refused before training, not after").isEqualTo(409);
        assertThat(client().read(collision).get("detail").asString()).contains("'Cased'");
        client().send("POST", "/api/v1/training-jobs/" + running + "/cancel", null);
        await().atMost(Duration.ofMinutes(1)).until(() -> client().state(running).equals("CANCELLED"));
    }

    /** A one-epoch job that becomes the next version of model "kept"; its id once it has succeeded. */
    private String trained() throws Exception {
        String id = client().submit("{\"architecture\":\"baseline\",\"epochs\":1,\"batchSize\":10,\"modelName\":\"kept\"}");
        await().atMost(Duration.ofMinutes(3)).until(() -> client().state(id).equals("SUCCEEDED"));
        await().atMost(Duration.ofMinutes(1)).until(() -> registry.models().stream()
                .flatMap(m -> m.versions().stream()).anyMatch(v -> id.equals(v.jobId())));
        return id;
    }




}
