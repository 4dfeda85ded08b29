package io.cnnlab;

import io.cnnlab.datasets.DatasetArchives;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.networks.ModelFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Jobs on an uploaded data set through the real API: three classes of coloured shapes are uploaded, a baseline
 * trains on them and answers with their labels (classify and V2), and a 10-class model trained on the tiny CIFAR-10
 * fixture is fine-tuned onto them with its feature layers frozen (its classifier replaced for 3 classes).
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DatasetJobsEndToEndTest {

    private static final List<String> SHAPES = DatasetArchives.SHAPES;
    /** baseline for 3 classes: 123,338 less conv3's 10 x (5x5x64 + 1), plus 3 x (5x5x64 + 1). */
    private static final long BASELINE_3_CLASSES = 112_131;

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 20, 17);
    }

    @LocalServerPort
    int port;

    @Autowired
    ModelRegistry registry;

    private ServiceClient client;
    private final HttpClient http = HttpClient.newHttpClient();

    private static String shapes;
    private static String shapesJob;
    private static String tunedJob;

    /** Once for the class (the context is shared): the data set, a model on it, a CIFAR-10 model and its fine-tuning. */
    @BeforeEach
    void uploadAndTrain() throws Exception {
        client = new ServiceClient(port);
        if (shapes != null) {
            return;
        }
        shapes = upload("shapes", DatasetArchives.shapes("", 30, "png"));
        shapesJob = client.submit("{\"architecture\":\"baseline\",\"dataset\":\"" + shapes + "\",\"epochs\":8,"
                + "\"batchSize\":8,\"learningRate\":0.003,\"modelName\":\"shapes\"}");
        String cifarJob = client.submit("{\"architecture\":\"baseline\",\"epochs\":1,\"batchSize\":20,"
                + "\"learningRate\":0.002,\"modelName\":\"cifar-base\"}");
        awaitSucceeded(shapesJob);
        awaitSucceeded(cifarJob);
        tunedJob = client.submit("{\"architecture\":\"baseline\",\"dataset\":\"" + shapes + "\",\"epochs\":2,"
                + "\"batchSize\":8,\"learningRate\":0.003,\"modelName\":\"shapes-tuned\","
                + "\"initFrom\":{\"model\":\"cifar-base\"},\"freeze\":true}");
        awaitSucceeded(tunedJob);
    }

    @Test
    void aModelTrainedOnTheShapesAnswersWithTheirLabels() throws Exception {
        JsonNode job = client.job(shapesJob);
        assertThat(job.get("dataset").asString()).isEqualTo(shapes);
        assertThat(job.get("initFrom").isNull()).isTrue();
        assertThat(job.get("freeze").asBoolean()).isFalse();

        JsonNode version = get("/api/v1/models/shapes/versions/1");
        assertThat(strings(version.get("labels"))).containsExactlyElementsOf(SHAPES);
        assertThat(version.get("dataset").asString()).isEqualTo(shapes);
        assertThat(version.get("initFrom").isNull()).isTrue();
        assertThat(version.get("parameterCount").asLong()).isEqualTo(BASELINE_3_CLASSES);
        // three classes: chance is 1/3
        assertThat(version.get("testAccuracy").asDouble()).isGreaterThanOrEqualTo(0.75);

        for (int i = 0; i < SHAPES.size(); i++) {
            String shape = SHAPES.get(i);
            byte[] png = DatasetArchives.encode(DatasetArchives.shape(shape, 56, 5), "png");
            JsonNode answer = client.read(post("/api/v1/models/shapes/classify?topK=3", "image/png", png));
            JsonNode predictions = answer.get("predictions").get(0);
            assertThat(predictions.get(0).get("label").asString()).as(shape).isEqualTo(shape);
            assertThat(predictions.get(0).get("index").asInt()).isEqualTo(i);
            List<String> labels = new ArrayList<>();
            predictions.forEach(p -> labels.add(p.get("label").asString()));
            assertThat(labels).containsExactlyInAnyOrderElementsOf(SHAPES);
        }

        JsonNode metadata = get("/v2/models/shapes");
        assertThat(metadata.get("outputs").get(0).get("shape").get(1).asInt()).isEqualTo(3);
    }

    @Test
    void aTenClassModelFineTunedOntoTheShapesKeepsItsFrozenFeatureLayers() throws Exception {
        JsonNode job = client.job(tunedJob);
        assertThat(job.get("dataset").asString()).isEqualTo(shapes);
        assertThat(job.get("initFrom").get("model").asString()).isEqualTo("cifar-base");
        assertThat(job.get("initFrom").get("version").asInt()).isEqualTo(1);
        assertThat(job.get("freeze").asBoolean()).isTrue();

        JsonNode version = get("/api/v1/models/shapes-tuned/versions/1");
        assertThat(strings(version.get("labels"))).containsExactlyElementsOf(SHAPES);
        assertThat(version.get("initFrom").get("model").asString()).isEqualTo("cifar-base");
        assertThat(version.get("initFrom").get("version").asInt()).isEqualTo(1);
        assertThat(version.get("dataset").asString()).isEqualTo(shapes);
        assertThat(version.get("parameterCount").asLong()).isEqualTo(BASELINE_3_CLASSES);

        ComputationGraph source = network("cifar-base");
        ComputationGraph tuned = network("shapes-tuned");
        assertThat(tuned.numParams()).isEqualTo(BASELINE_3_CLASSES);
        assertThat(source.getLayer("conv3").getParam("W").shape()).containsExactly(10, 64, 5, 5);
        assertThat(tuned.getLayer("conv3").getParam("W").shape()).containsExactly(3, 64, 5, 5);
        for (String layer : List.of("conv1", "conv2")) {
            for (String param : List.of("W", "b")) {
                assertThat(tuned.getLayer(layer).getParam(param).dup().data().asFloat()).as(layer + " " + param)
                        .containsExactly(source.getLayer(layer).getParam(param).dup().data().asFloat());
            }
        }
        // the classifier did train: its new biases left their initial value (the recipe's 0.1)
        assertThat(tuned.getLayer("conv3").getParam("b").toFloatVector()).isNotEqualTo(new float[]{0.1f, 0.1f, 0.1f});

        JsonNode answer = client.read(post("/api/v1/models/shapes-tuned/classify?topK=3", "image/png",
                DatasetArchives.encode(DatasetArchives.shape("circle", 48, 1), "png")));
        List<String> labels = new ArrayList<>();
        answer.get("predictions").get(0).forEach(p -> labels.add(p.get("label").asString()));
        assertThat(labels).containsExactlyInAnyOrderElementsOf(SHAPES);
    }

    @Test
    void costsAreShownForTheDataSetsClassCount() throws Exception {
        assertThat(baseline(get("/api/v1/architectures?dataset=" + shapes)).get("parameterCount").asLong())
                .isEqualTo(BASELINE_3_CLASSES);
        assertThat(baseline(get("/api/v1/architectures")).get("parameterCount").asLong()).isEqualTo(123_338);
        // a comparison costs each run for its own data set, and says which set that was
        JsonNode rows = get("/api/v1/comparisons?jobs=" + shapesJob).get("items");
        assertThat(rows.get(0).get("parameterCount").asLong()).isEqualTo(BASELINE_3_CLASSES);
        assertThat(rows.get(0).get("dataset").asString()).isEqualTo(shapes);
        assertProblem(http.send(HttpRequest.newBuilder(uri("/api/v1/architectures?dataset=nope")).build(),
                HttpResponse.BodyHandlers.ofString()), 400, "nope");
    }

    @Test
    void submissionsNamingWhatIsNotThereAreRefused() throws Exception {
        String jobs = "/api/v1/training-jobs";
        assertProblem(client.send("POST", jobs, "{\"architecture\":\"baseline\",\"dataset\":\"no-such-set\"}"), 400,
                "no-such-set");
        assertProblem(client.send("POST", jobs, "{\"architecture\":\"baseline\",\"initFrom\":{\"model\":\"nope\"}}"),
                400, "nope");
        assertProblem(client.send("POST", jobs,
                "{\"architecture\":\"baseline\",\"initFrom\":{\"model\":\"cifar-base\",\"version\":9}}"), 400, "9");
        assertProblem(client.send("POST", jobs,
                "{\"architecture\":\"factorized\",\"initFrom\":{\"model\":\"cifar-base\"}}"), 400, "baseline");
        assertProblem(client.send("POST", jobs, "{\"architecture\":\"baseline\",\"freeze\":true}"), 400, "initFrom");
    }

    @Test
    void aDataSetIsNotDeletedWhileAJobUsesIt() throws Exception {
        String small = upload("small", DatasetArchives.shapes("", 3, "png"));
        String job = client.submit("{\"architecture\":\"baseline\",\"dataset\":\"" + small + "\",\"epochs\":1000,"
                + "\"batchSize\":2}");

        HttpResponse<String> refused = client.send("DELETE", "/api/v1/datasets/" + small, null);
        assertProblem(refused, 409, job);

        client.send("POST", "/api/v1/training-jobs/" + job + "/cancel", null);
        await().atMost(Duration.ofMinutes(1)).until(() -> client.state(job).equals("CANCELLED"));
        assertThat(client.send("DELETE", "/api/v1/datasets/" + small, null).statusCode()).isEqualTo(204);
    }

    private ComputationGraph network(String model) throws Exception {
        ModelVersion version = registry.version(model, 1);
        try (InputStream in = registry.open(version)) {
            return ModelFormat.read(in);
        }
    }

    private static JsonNode baseline(JsonNode page) {
        for (JsonNode item : page.get("items")) {
            if (item.get("name").asString().equals("baseline")) {
                return item;
            }
        }
        throw new AssertionError("no baseline in " + page);
    }

    private String upload(String name, java.util.Map<String, byte[]> files) throws Exception {
        HttpResponse<String> response = post("/api/v1/datasets?name=" + name, "application/zip", DatasetArchives.zip(files));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return client.read(response).get("id").asString();
    }

    private void awaitSucceeded(String job) {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(300)).until(() -> {
            String state = client.state(job);
            assertThat(state).as(() -> {
                try {
                    return client.job(job).toString();
                } catch (Exception e) {
                    return e.toString();
                }
            }).isIn("QUEUED", "RUNNING", "SUCCEEDED");
            return state.equals("SUCCEEDED");
        });
        // the version is registered before the job is marked SUCCEEDED
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = client.send("GET", path, null);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return client.read(response);
    }

    private HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void assertProblem(HttpResponse<String> response, int status, String detailContains) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
        assertThat(client.read(response).get("detail").asString()).contains(detailContains);
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asString()));
        return values;
    }
}
