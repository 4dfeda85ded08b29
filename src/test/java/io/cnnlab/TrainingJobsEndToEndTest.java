package io.cnnlab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.boot.test.web.server.LocalServerPort;
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
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The whole service on a real port, real DL4J training on tiny generated CIFAR-format data, real H2 on disk. */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TrainingJobsEndToEndTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 40, 7);
        registry.add("cnn.training.max-queued", () -> "50");
        registry.add("cnn.training.max-submissions-per-minute", () -> "1000");
    }

    @LocalServerPort
    int port;

    @Autowired
    JsonMapper json;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void submitTrainWatchAndReadMetricsAndCheckpoints() throws Exception {
        HttpResponse<String> submitted = post("/api/v1/training-jobs",
                "{\"architecture\":\"factorized\",\"epochs\":3,\"batchSize\":20,\"learningRate\":0.002,\"modelName\":\"tiny\"}", null);

        assertThat(submitted.statusCode()).isEqualTo(202);
        JsonNode job = json.readTree(submitted.body());
        String id = job.get("id").asString();
        assertThat(submitted.headers().firstValue("Location")).hasValue("/api/v1/training-jobs/" + id);
        assertThat(job.get("state").asString()).isIn("QUEUED", "RUNNING");
        assertThat(job.get("plan").get("recipe").get("batchSize").asInt()).isEqualTo(20);
        assertThat(job.get("plan").get("recipe").get("seed").asLong()).isEqualTo(42);

        JsonNode done = awaitState(id, "SUCCEEDED");
        assertThat(done.get("progress").asDouble()).isEqualTo(1.0);
        assertThat(done.get("step").asLong()).isEqualTo(30); // 200 images / batch 20 x 3 epochs
        assertThat(done.get("bestTestAccuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(done.get("latestMetrics").get("epoch").asInt()).isEqualTo(3);
        JsonNode listed = null;
        for (JsonNode item : json.readTree(get("/api/v1/training-jobs?state=SUCCEEDED&size=100").body()).get("items")) {
            listed = item.get("id").asString().equals(id) ? item : listed;
        }
        assertThat(listed).as("the job in the list").isNotNull();
        assertThat(listed.get("latestMetrics").get("epoch").asInt()).isEqualTo(3);
        assertThat(listed.get("latestMetrics").get("step").asLong()).isEqualTo(30);
        assertThat(done.get("modelName").asString()).isEqualTo("tiny");

        JsonNode metrics = json.readTree(get("/api/v1/training-jobs/" + id + "/metrics").body()).get("items");
        assertThat(metrics).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonNode epoch = metrics.get(i);
            assertThat(epoch.get("epoch").asInt()).isEqualTo(i + 1);
            assertThat(epoch.get("step").asLong()).isEqualTo(10L * (i + 1));
            assertThat(epoch.get("testAccuracy").asDouble()).isBetween(0.0, 1.0);
            assertThat(epoch.get("imagesPerSecond").asDouble()).isPositive();
            assertThat(epoch.has("trainLoss") && epoch.has("testLoss") && epoch.has("seconds")).isTrue();
        }

        JsonNode checkpoints = json.readTree(get("/api/v1/training-jobs/" + id + "/checkpoints").body()).get("items");
        assertThat(checkpoints).hasSize(3);
        int best = 0;
        for (JsonNode checkpoint : checkpoints) {
            Path file = home.resolve("storage").resolve("checkpoints").resolve(id).resolve(checkpoint.get("fileName").asString());
            assertThat(file).exists();
            assertThat(Files.size(file)).isEqualTo(checkpoint.get("sizeBytes").asLong());
            assertThat(sha256(file)).isEqualTo(checkpoint.get("sha256").asString());
            best += checkpoint.get("best").asBoolean() ? 1 : 0;
        }
        assertThat(best).isEqualTo(1);

        HttpResponse<String> cancelFinished = post("/api/v1/training-jobs/" + id + "/cancel", "", null);
        assertThat(cancelFinished.statusCode()).isEqualTo(409);
        assertThat(cancelFinished.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("application/problem+json"));

        String prometheus = get("/actuator/prometheus").body();
        assertThat(prometheus).contains("cnn_training_jobs{state=\"SUCCEEDED\"}")
                .contains("cnn_training_queue_depth")
                .contains("cnn_training_epoch_seconds")
                .contains("cnn_process_physical_max_bytes")
                .as("a finished job's series are gone; its history keeps its figures").doesNotContain("job=\"" + id + "\"");
    }

    @Test
    void twentyConcurrentSubmitsGiveTwentyJobsRunInFifoOrderOnceEach() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<Callable<String>> submits = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            submits.add(() -> json.readTree(post("/api/v1/training-jobs",
                    "{\"architecture\":\"baseline\",\"maxSteps\":2,\"batchSize\":10}", null).body()).get("id").asString());
        }
        Set<String> ids = new HashSet<>();
        for (Future<String> future : pool.invokeAll(submits)) {
            ids.add(future.get());
        }
        pool.shutdown();
        assertThat(ids).hasSize(20);

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(300)).until(() ->
                ids.stream().allMatch(id -> state(id).equals("SUCCEEDED")));
        List<JsonNode> jobs = new ArrayList<>();
        for (String id : ids) {
            jobs.add(json.readTree(get("/api/v1/training-jobs/" + id).body()));
        }
        jobs.sort(java.util.Comparator.comparing(job -> instant(job, "startedAt")));
        for (JsonNode job : jobs) {
            assertThat(job.get("attempts").asInt()).as("runs of job %s", job.get("id")).isEqualTo(1);
            assertThat(job.get("step").asLong()).isEqualTo(2);
        }
        // one worker: no job starts before the previous one finished
        for (int i = 1; i < jobs.size(); i++) {
            assertThat(instant(jobs.get(i), "startedAt")).isAfterOrEqualTo(instant(jobs.get(i - 1), "finishedAt"));
        }
    }

    @Test
    void queuedJobsStartInTheOrderTheyWereSubmitted() throws Exception {
        // submitted one after another (concurrent submits are ordered by whichever commits first)
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(json.readTree(post("/api/v1/training-jobs",
                    "{\"architecture\":\"factorized\",\"maxSteps\":3,\"batchSize\":10}", null).body()).get("id").asString());
        }
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300)).until(() ->
                ids.stream().allMatch(id -> state(id).equals("SUCCEEDED")));
        List<java.time.Instant> starts = new ArrayList<>();
        for (String id : ids) {
            starts.add(instant(json.readTree(get("/api/v1/training-jobs/" + id).body()), "startedAt"));
        }
        assertThat(starts).isSorted();
    }

    @Test
    void anIdempotencyKeyMakesARetriedSubmitReturnTheSameJobAndRefusesAnotherBody() throws Exception {
        String body = "{\"architecture\":\"baseline\",\"maxSteps\":1,\"batchSize\":10}";
        JsonNode first = json.readTree(post("/api/v1/training-jobs", body, "retry-me-1").body());
        HttpResponse<String> again = post("/api/v1/training-jobs", body, "retry-me-1");
        HttpResponse<String> other = post("/api/v1/training-jobs", body.replace("10", "20"), "retry-me-1");

        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(json.readTree(again.body()).get("id").asString()).isEqualTo(first.get("id").asString());
        assertThat(other.statusCode()).isEqualTo(422);
        JsonNode problem = json.readTree(other.body());
        assertThat(problem.get("type").asString()).isEqualTo("urn:problem-type:cnn-lab:idempotency-key-reused");
        assertThat(problem.get("jobId").asString()).isEqualTo(first.get("id").asString());
        awaitState(first.get("id").asString(), "SUCCEEDED");
    }

    @Autowired
    io.cnnlab.jobs.TrainingJobs jobs;

    @Test
    void everyFieldOfARequestReachesTheJobViewTheStoredPlanAndTheTrainer() throws Exception {
        // every field differs from the baseline's recipe; 200 images / batch 20: the 4 steps stay in epoch 1
        HttpResponse<String> submitted = post("/api/v1/training-jobs", """
                {"architecture":"baseline","modelName":"every-field","epochs":7,"maxSteps":4,"batchSize":20,
                 "learningRate":0.01,"learningRateDecay":0.5,"learningRateDecaySteps":2,"seed":7,"randomCrop":false,
                 "flip":false,"maxBrightnessDelta":10,"minContrast":0.5,"maxContrast":1.5,"weightStddev":0.05,
                 "biasInit":0.2,"trainAccuracyEvery":3}""", null);
        assertThat(submitted.statusCode()).isEqualTo(202);
        String id = json.readTree(submitted.body()).get("id").asString();
        var expected = new io.cnnlab.training.TrainingPlan("baseline", 4L, new io.cnnlab.architectures.Recipe(7, 20,
                new io.cnnlab.architectures.LearningRate(0.01, 0.5, 2), 7,
                new io.cnnlab.datasets.Augmentation(false, false, 10, 0.5, 1.5), 0.05, 0.2, 3));

        JsonNode done = awaitState(id, "SUCCEEDED");
        assertThat(json.treeToValue(done.get("plan"), io.cnnlab.training.TrainingPlan.class)).isEqualTo(expected);
        // what the worker reads back to train with
        assertThat(io.cnnlab.training.TrainingPlans.fromJson("baseline", jobs.get(id).plan())).isEqualTo(expected);
        // and what training did with it: the step budget, the decayed rate at step 4 (0.01 x 0.5^2), and a sampled
        // training accuracy (step 3 of 4; the recipe's every 10th would sample none)
        assertThat(done.get("step").asLong()).isEqualTo(4);
        JsonNode epoch = json.readTree(get("/api/v1/training-jobs/" + id + "/metrics").body()).get("items").get(0);
        assertThat(epoch.get("learningRate").asDouble()).isEqualTo(0.0025);
        assertThat(epoch.get("trainAccuracy").isNumber()).as("trainAccuracy %s", epoch.get("trainAccuracy")).isTrue();
    }

    @Test
    void unknownOrMistypedFieldsAre400sNamingTheFieldAndNothingIsQueued() throws Exception {
        long before = jobs.countByState().values().stream().mapToLong(Long::longValue).sum();
        for (String[] c : new String[][]{{"\"max_steps\":10", "max_steps"}, {"\"epochs\":2.5", "epochs"},
                {"\"maxSteps\":\"5\"", "maxSteps"}, {"\"flip\":1", "flip"}, {"\"flip\":\"yes\"", "flip"},
                {"\"epochs\":\"two\"", "epochs"}, {"\"epochs\":1e3000", "epochs"}}) {
            HttpResponse<String> refused = post("/api/v1/training-jobs", "{\"architecture\":\"baseline\"," + c[0] + "}", null);
            assertThat(refused.statusCode()).as(c[0]).isEqualTo(400);
            JsonNode problem = json.readTree(refused.body());
            assertThat(problem.get("errors").get(0).get("field").asString()).as(c[0]).isEqualTo(c[1]);
            assertThat(problem.get("errors").get(0).get("message").asString()).as(c[0]).isNotBlank();
        }
        assertThat(jobs.countByState().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(before);
    }

    @Test
    void badSubmissionsGetProblemDetails() throws Exception {
        HttpResponse<String> unknown = post("/api/v1/training-jobs", "{\"architecture\":\"resnet\"}", null);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(json.readTree(unknown.body()).get("detail").asString()).contains("baseline");

        HttpResponse<String> outOfRange = post("/api/v1/training-jobs", "{\"architecture\":\"baseline\",\"batchSize\":0,\"epochs\":5000}", null);
        assertThat(outOfRange.statusCode()).isEqualTo(400);
        JsonNode problem = json.readTree(outOfRange.body());
        assertThat(problem.get("errors")).hasSize(2);
        assertThat(problem.get("type").asString()).startsWith("urn:problem-type:cnn-lab:");

        assertThat(post("/api/v1/training-jobs", "{not json", null).statusCode()).isEqualTo(400);
        assertThat(get("/api/v1/training-jobs/00000000-0000-0000-0000-000000000000").statusCode()).isEqualTo(404);
        assertThat(get("/api/v1/training-jobs/..%2F..%2Fetc").statusCode()).isIn(400, 404);
        assertThat(get("/api/v1/training-jobs?size=1001").statusCode()).isEqualTo(400);
    }

    @Test
    void healthGroupsAndInfoSayWhatAnOperatorNeeds() throws Exception {
        HttpResponse<String> readiness = get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).isEqualTo(200);
        JsonNode components = json.readTree(readiness.body()).get("components");
        for (String component : new String[]{"db", "stateDirectory", "trainingWorkers", "dataset", "readinessState"}) {
            assertThat(components.get(component).get("status").asString()).as(component).isEqualTo("UP");
        }
        assertThat(components.get("dataset").get("details").get("cifar10Available").asBoolean()).isTrue();
        assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
        // one disk check, on the state directory (not a second one on the working directory)
        JsonNode all = json.readTree(get("/actuator/health").body()).get("components");
        assertThat(all.propertyNames()).contains("stateDirectory").doesNotContain("diskSpace");
        assertThat(all.get("stateDirectory").get("details").get("path").asString())
                .isEqualTo(home.toAbsolutePath().toString());

        JsonNode info = json.readTree(get("/actuator/info").body());
        assertThat(info.get("native").get("build").asString()).isEqualTo("linux-x86_64-onednn");
        assertThat(info.get("native").get("layerHelpers").asBoolean()).isTrue();
        assertThat(info.get("native").get("shapeCache").asBoolean()).isTrue();
        assertThat(info.get("build").get("version").asString()).isEqualTo("0.1.0-SNAPSHOT");

        assertThat(get("/actuator/env").statusCode()).isEqualTo(404); // only health, info, prometheus, metrics
    }

    @Autowired
    @org.springframework.beans.factory.annotation.Qualifier("requestMappingHandlerMapping")
    org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping mappings;

    @Test
    void theOpenApiDocumentDescribesEveryEndpointOfTheApi() throws Exception {
        JsonNode paths = json.readTree(get("/v3/api-docs").body()).get("paths");
        java.util.Set<String> documented = new java.util.HashSet<>(paths.propertyNames());
        java.util.Set<String> served = new java.util.TreeSet<>();
        mappings.getHandlerMethods().keySet().forEach(info -> info.getPatternValues().stream()
                .filter(p -> p.startsWith("/api/") || p.startsWith("/v2"))
                .forEach(served::add));

        assertThat(served).hasSizeGreaterThan(15);
        assertThat(documented).containsAll(served);
        String document = get("/v3/api-docs").body();
        assertThat(json.readTree(document).get("components").get("schemas").get("TrainingJobRequest")
                .get("properties").get("architecture").get("example").asString()).isEqualTo("factorized");
        assertThat(document).contains("Submit a training job");
        JsonNode documentPaths = json.readTree(document).get("paths");
        // response examples where users need them most: classify, KServe V2 infer (request too), comparisons
        assertThat(documentPaths.get("/api/v1/models/{name}/classify").get("post").get("responses").get("200")
                .get("content").get("application/json").get("examples").get("top-2 of one image").get("value")
                .get("predictions").get(0).get(0).get("probability").asDouble()).isEqualTo(0.91);
        assertThat(documentPaths.get("/v2/models/{name}/infer").get("post").get("requestBody").get("content")
                .get("application/json").get("examples").propertyNames()).containsExactly("one encoded image, top-3 classes");
        assertThat(documentPaths.get("/v2/models/{name}/infer").get("post").get("responses").get("200").get("content")
                .get("application/json").get("examples").get("classification extension").get("value").get("outputs")
                .get(0).get("datatype").asString()).isEqualTo("BYTES");
        assertThat(documentPaths.get("/api/v1/comparisons").get("get").get("responses").get("200").get("content")
                .get("application/json").get("examples").get("one run, two epochs").get("value").get("items").get(0)
                .get("macsPerImage").asLong()).isEqualTo(18086400);
        assertThat(get("/swagger-ui/index.html").statusCode()).isEqualTo(200);
    }

    @Test
    void serverSentEventsFollowARunToItsEndForSeveralSubscribers() throws Exception {
        String id = json.readTree(post("/api/v1/training-jobs",
                "{\"architecture\":\"baseline\",\"epochs\":3,\"batchSize\":10,\"maxSteps\":null}", null).body()).get("id").asString();
        List<java.util.concurrent.CompletableFuture<List<String>>> streams = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            streams.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/training-jobs/" + id + "/events"))
                            .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines())
                    .thenApply(r -> r.body().filter(line -> line.startsWith("event:")).map(line -> line.substring(6).trim()).toList()));
        }
        for (var stream : streams) {
            List<String> events = stream.get(2, java.util.concurrent.TimeUnit.MINUTES); // returns when the server closes it
            assertThat(events.get(0)).isEqualTo("state");
            assertThat(events).contains("epoch", "progress");
            assertThat(events.stream().filter("epoch"::equals).count()).isEqualTo(3);
            assertThat(events.get(events.size() - 1)).isEqualTo("state");
        }
        assertThat(state(id)).isEqualTo("SUCCEEDED");

        // a subscriber that comes after the end gets the final state and the stream closes
        HttpResponse<java.util.stream.Stream<String>> late = http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/api/v1/training-jobs/" + id + "/events")).build(), HttpResponse.BodyHandlers.ofLines());
        List<String> lines = late.body().toList();
        assertThat(lines).contains("event:state");
        assertThat(String.join("\n", lines)).contains("\"state\":\"SUCCEEDED\"");
    }

    @Test
    void architecturesReportTheirCosts() throws Exception {
        JsonNode architectures = json.readTree(get("/api/v1/architectures").body()).get("items");

        assertThat(architectures).hasSize(8); // the seed's four, combined and its three ablations
        assertThat(architectures.get(4).get("recipe").get("learningRate").get("initial").asDouble()).isEqualTo(0.003);
        JsonNode recipe = architectures.get(0).get("recipe");
        assertThat(json.treeToValue(recipe, io.cnnlab.architectures.Recipe.class))
                .isEqualTo(io.cnnlab.architectures.Architectures.offered().get("baseline").recipe());
        assertThat(recipe.get("epochs").asInt()).isEqualTo(10);
        assertThat(recipe.get("batchSize").asInt()).isEqualTo(128);
        assertThat(recipe.get("trainAccuracyEvery").asInt()).isEqualTo(10);
        assertThat(architectures.get(7).get("name").asString()).isEqualTo("combined-single-branch");
        assertThat(architectures.get(0).get("name").asString()).isEqualTo("baseline");
        assertThat(architectures.get(0).get("parameterCount").asLong()).isEqualTo(123_338);
        assertThat(architectures.get(1).get("macsPerImage").asLong()).isEqualTo(9_239_040);
        assertThat(architectures.get(2).get("layers").size()).isGreaterThan(5);
    }

    private JsonNode awaitState(String id, String state) throws IOException, InterruptedException {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() -> {
            String current = state(id);
            assertThat(current).as("job %s", id).isNotIn(otherFinalStates(state));
            return current.equals(state);
        });
        return json.readTree(get("/api/v1/training-jobs/" + id).body());
    }

    /** Timestamps compared as instants: ISO strings with trimmed fractions do not sort as text. */
    private static java.time.Instant instant(JsonNode job, String field) {
        return java.time.Instant.parse(job.get(field).asString());
    }

    private static List<String> otherFinalStates(String state) {
        List<String> finals = new ArrayList<>(List.of("SUCCEEDED", "FAILED", "CANCELLED"));
        finals.remove(state);
        return finals;
    }

    private String state(String id) {
        try {
            return json.readTree(get("/api/v1/training-jobs/" + id).body()).get("state").asString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body, String idempotencyKey) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
