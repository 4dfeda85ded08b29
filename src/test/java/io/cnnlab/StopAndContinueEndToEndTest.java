package io.cnnlab;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.jobs.NewJob;
import io.cnnlab.jobs.TrainingJobs;
import io.cnnlab.networks.ModelFormat;
import io.cnnlab.training.TrainingPlan;
import io.cnnlab.training.TrainingPlans;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Early stopping and continuing a run, through the API on a real port: real DL4J on the tiny generated CIFAR-format
 * data (200 training images, batch 20: 10 steps an epoch), real H2. One checkpoint kept per job besides the best, so
 * the best must survive the pruning to become the version.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StopAndContinueEndToEndTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 40, 7);
        registry.add("cnn.training.keep-checkpoints", () -> "1");
        registry.add("cnn.training.max-submissions-per-minute", () -> "1000");
    }

    @LocalServerPort
    int port;

    @Autowired
    JsonMapper json;

    @Autowired
    TrainingJobs jobs;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aRunThatStopsImprovingStopsSucceedsWithItsReasonAndItsBestEpochBecomesTheVersion() throws Exception {
        // no epoch can beat another by more than 1: the run stops once two epochs followed the first. On this data
        // and seed its test accuracy peaks at epoch 2 (0.4, 0.7, 0.675), so the version tells best from last
        HttpResponse<String> submitted = post("/api/v1/training-jobs", """
                {"architecture":"factorized","modelName":"stops","epochs":10,"batchSize":20,"learningRate":0.002,
                 "learningRateDecay":1,"earlyStopping":{"patience":2,"minDelta":1}}""", null);
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        String id = json.readTree(submitted.body()).get("id").asString();

        JsonNode done = awaitState(id, "SUCCEEDED");
        assertThat(done.get("step").asLong()).isEqualTo(30);
        assertThat(done.get("epoch").asInt()).isEqualTo(3);
        assertThat(done.get("totalSteps").asLong()).isEqualTo(100);
        assertThat(done.get("progress").asDouble()).isEqualTo(1.0);
        assertThat(done.get("earlyStopping").get("patience").asInt()).isEqualTo(2);
        JsonNode metrics = json.readTree(get("/api/v1/training-jobs/" + id + "/metrics").body()).get("items");
        assertThat(metrics).hasSize(3);
        int bestEpoch = 1;
        for (int i = 0; i < 3; i++) {
            if (metrics.get(i).get("testAccuracy").asDouble() >= metrics.get(bestEpoch - 1).get("testAccuracy").asDouble()) {
                bestEpoch = i + 1;
            }
        }
        double best = metrics.get(bestEpoch - 1).get("testAccuracy").asDouble();
        String reason = String.format(Locale.ROOT,
                "early stopping: test accuracy did not improve by more than 1 for 2 epochs; best %.3f at epoch %d", best, bestEpoch);
        assertThat(done.get("stopReason").asString()).isEqualTo(reason);
        assertThat(done.get("bestTestAccuracy").asDouble()).isEqualTo(best);

        // the version is the best epoch's checkpoint, kept through the pruning to one
        JsonNode version = json.readTree(get("/api/v1/models/stops/versions/1").body());
        assertThat(version.get("jobId").asString()).isEqualTo(id);
        assertThat(version.get("checkpointStep").asLong()).isEqualTo(10L * bestEpoch);
        assertThat(version.get("testAccuracy").asDouble()).isEqualTo(best);
        assertThat(bestEpoch).as("this run's best epoch is not its last, so the test tells best from last").isNotEqualTo(3);
        List<Long> kept = new ArrayList<>();
        json.readTree(get("/api/v1/training-jobs/" + id + "/checkpoints").body()).get("items")
                .forEach(c -> kept.add(c.get("step").asLong()));
        assertThat(kept).containsExactly(30L, 10L * bestEpoch);

        // the state event is the job view: a subscriber after the end gets the reason too
        List<String> lines = http.send(HttpRequest.newBuilder(uri("/api/v1/training-jobs/" + id + "/events")).build(),
                HttpResponse.BodyHandlers.ofLines()).body().toList();
        String state = lines.get(lines.indexOf("event:state") + 1);
        assertThat(json.readTree(state.substring("data:".length())).get("stopReason").asString()).isEqualTo(reason);
    }

    @Test
    void aContinuedRunGoesOnFromItsParentsLastCheckpointExactlyAsAStraightRunWould() throws Exception {
        String recipe = "\"architecture\":\"baseline\",\"batchSize\":20,\"learningRate\":0.01,\"learningRateDecay\":0.5,"
                + "\"learningRateDecaySteps\":10";
        String parent = id(post("/api/v1/training-jobs", "{" + recipe + ",\"modelName\":\"continued\",\"epochs\":2}", null));
        awaitState(parent, "SUCCEEDED");
        // the reference: three epochs without a break; it runs while the continuation waits in the queue behind it
        String straight = id(post("/api/v1/training-jobs", "{" + recipe + ",\"modelName\":\"straight\",\"epochs\":3}", null));

        HttpResponse<String> continued = post("/api/v1/training-jobs/" + parent + "/continue", "{\"epochs\":1}", "more-1");
        assertThat(continued.statusCode()).as(continued.body()).isEqualTo(202);
        JsonNode child = json.readTree(continued.body());
        String childId = child.get("id").asString();
        CompletableFuture<List<String>> events = follow(childId);
        assertThat(continued.headers().firstValue("Location")).hasValue("/api/v1/training-jobs/" + childId);
        assertThat(child.get("parentJob").asString()).isEqualTo(parent);
        assertThat(child.get("modelName").asString()).isEqualTo("continued");
        assertThat(child.get("plan").get("recipe").get("epochs").asInt()).isEqualTo(3);
        assertThat(child.get("plan").get("recipe").get("learningRate").get("decaySteps").asInt()).isEqualTo(10);
        // a retry with the same key is the same job; the key with another body is refused
        HttpResponse<String> retried = post("/api/v1/training-jobs/" + parent + "/continue", "{\"epochs\":1}", "more-1");
        assertThat(json.readTree(retried.body()).get("id").asString()).isEqualTo(childId);
        assertThat(post("/api/v1/training-jobs/" + parent + "/continue", "{\"epochs\":2}", "more-1").statusCode()).isEqualTo(422);

        // only an ended run with a checkpoint can go on
        await().atMost(Duration.ofMinutes(1)).until(() -> state(straight).equals("RUNNING"));
        assertConflict(straight, "RUNNING");
        assertConflict(childId, "QUEUED");
        String failing = jobs.submit(new NewJob("no-such-network", "failing", TrainingPlans.toJson(
                TrainingPlan.seedDefaults(Architectures.offered().get("baseline"))), "test", null, null)).job().id();
        String neverRan = id(post("/api/v1/training-jobs", "{" + recipe + ",\"modelName\":\"never\",\"epochs\":1}", null));
        assertThat(post("/api/v1/training-jobs/" + neverRan + "/cancel", "", null).statusCode()).isEqualTo(200);
        assertConflict(neverRan, "no checkpoint");
        assertThat(post("/api/v1/training-jobs/00000000-0000-4000-8000-000000000000/continue", "{\"epochs\":1}", null)
                .statusCode()).isEqualTo(404);

        JsonNode done = awaitState(childId, "SUCCEEDED");
        awaitState(failing, "FAILED");
        assertConflict(failing, "FAILED");
        // its first step is the parent's last plus one, in epoch 3; its history is its own epoch, numbered after the parent's
        List<String> stream = events.get(3, TimeUnit.MINUTES);
        JsonNode firstProgress = json.readTree(stream.get(stream.indexOf("event:progress") + 1).substring("data:".length()));
        assertThat(firstProgress.get("step").asLong()).isEqualTo(21);
        assertThat(firstProgress.get("epoch").asInt()).isEqualTo(3);
        assertThat(done.get("step").asLong()).isEqualTo(30);
        assertThat(done.get("totalSteps").asLong()).isEqualTo(30);
        assertThat(done.get("parentJob").asString()).isEqualTo(parent);
        JsonNode metrics = json.readTree(get("/api/v1/training-jobs/" + childId + "/metrics").body()).get("items");
        assertThat(metrics).hasSize(1);
        assertThat(metrics.get(0).get("epoch").asInt()).isEqualTo(3);
        assertThat(metrics.get(0).get("step").asLong()).isEqualTo(30);
        assertThat(metrics.get(0).get("learningRate").asDouble()).isEqualTo(0.01 * 0.5 * 0.5 * 0.5);
        JsonNode version = json.readTree(get("/api/v1/models/continued/versions/2").body());
        assertThat(version.get("jobId").asString()).isEqualTo(childId);
        assertThat(version.get("checkpointStep").asLong()).isEqualTo(30);

        // weights, optimizer state and step count carried over: the same network as three epochs without a break
        awaitState(straight, "SUCCEEDED");
        JsonNode straightEpoch3 = json.readTree(get("/api/v1/training-jobs/" + straight + "/metrics").body()).get("items").get(2);
        for (String field : new String[]{"trainLoss", "testLoss", "testAccuracy", "learningRate"}) {
            assertThat(metrics.get(0).get(field).asDouble()).as(field).isEqualTo(straightEpoch3.get(field).asDouble());
        }
        ComputationGraph afterContinue = checkpointAt(childId, 30);
        ComputationGraph afterStraight = checkpointAt(straight, 30);
        assertThat(afterContinue.getIterationCount()).isEqualTo(30);
        assertThat(afterContinue.params().toFloatVector()).isEqualTo(afterStraight.params().toFloatVector());
        assertThat(afterContinue.getUpdater().getStateViewArray().toFloatVector())
                .isEqualTo(afterStraight.getUpdater().getStateViewArray().toFloatVector());
    }

    private void assertConflict(String id, String detail) throws Exception {
        HttpResponse<String> refused = post("/api/v1/training-jobs/" + id + "/continue", "{\"epochs\":1}", null);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("application/problem+json"));
        assertThat(json.readTree(refused.body()).get("detail").asString()).contains(detail);
    }

    private ComputationGraph checkpointAt(String job, long step) throws IOException, InterruptedException {
        for (JsonNode checkpoint : json.readTree(get("/api/v1/training-jobs/" + job + "/checkpoints").body()).get("items")) {
            if (checkpoint.get("step").asLong() == step) {
                try (InputStream in = Files.newInputStream(home.resolve("storage").resolve("checkpoints").resolve(job)
                        .resolve(checkpoint.get("fileName").asString()))) {
                    return ModelFormat.read(in);
                }
            }
        }
        throw new AssertionError("job " + job + " has no checkpoint at step " + step);
    }

    /** The job's event stream, its lines, complete when the server ends it (at the job's end). */
    private CompletableFuture<List<String>> follow(String id) {
        return http.sendAsync(HttpRequest.newBuilder(uri("/api/v1/training-jobs/" + id + "/events"))
                        .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines())
                .thenApply(response -> response.body().filter(line -> !line.isBlank() && !line.startsWith(":")).toList());
    }

    private JsonNode awaitState(String id, String state) {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).until(() -> {
            String current = state(id);
            assertThat(current).as("job %s", id).isIn("QUEUED", "RUNNING", state);
            return current.equals(state);
        });
        return json.readTree(getQuietly("/api/v1/training-jobs/" + id));
    }

    private String state(String id) {
        return json.readTree(getQuietly("/api/v1/training-jobs/" + id)).get("state").asString();
    }

    private String id(HttpResponse<String> submitted) {
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        return json.readTree(submitted.body()).get("id").asString();
    }

    private String getQuietly(String path) {
        try {
            return get(path).body();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body, String idempotencyKey) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
