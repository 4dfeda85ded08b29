package io.cnnlab;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.datasets.DatasetArchives;
import io.cnnlab.datasets.LabelledImages;
import io.cnnlab.datasets.TrainingData;
import io.cnnlab.networks.ModelZips;
import io.cnnlab.training.Networks;
import io.cnnlab.training.TrainingPlan;
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

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Per-class evaluation through the API on real training (tiny generated CIFAR-format data, 40 test images): a job's
 * last epoch, the version it became, and that version's most confident mistakes agree with one another.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PerClassEvaluationEndToEndTest {

    private static final int TEST_IMAGES = 40;

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, TEST_IMAGES, 11);
    }

    @LocalServerPort
    int port;

    @Autowired
    TrainingData data;

    private final JsonMapper json = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aJobsLastEpochItsVersionAndItsMistakesAgree() throws Exception {
        String twoEpochs = submit("{\"architecture\":\"baseline\",\"epochs\":2,\"batchSize\":20,\"learningRate\":0.002,\"modelName\":\"pc-two\"}");
        // one worker: this one waits behind the first, so it has no evaluated epoch yet
        String oneEpoch = submit("{\"architecture\":\"baseline\",\"epochs\":1,\"batchSize\":20,\"learningRate\":0.002,\"modelName\":\"pc-one\"}");
        HttpResponse<String> early = send(get("/api/v1/training-jobs/" + oneEpoch + "/evaluation"));
        assertThat(early.statusCode()).as(early.body()).isEqualTo(404);
        assertThat(early.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(json.readTree(early.body()).get("detail").asString()).contains("has not finished an epoch");
        assertThat(send(get("/api/v1/training-jobs/00000000-0000-4000-8000-000000000000/evaluation")).statusCode()).isEqualTo(404);

        awaitSucceeded(twoEpochs);
        JsonNode last = ok(get("/api/v1/training-jobs/" + twoEpochs + "/evaluation"));
        JsonNode metrics = ok(get("/api/v1/training-jobs/" + twoEpochs + "/metrics")).get("items");
        assertThat(last.get("epoch").asInt()).isEqualTo(2);
        assertThat(last.get("step").asLong()).isEqualTo(20);
        assertThat(metrics.get(1).has("testConfusion")).as("metrics rows stay small").isFalse();
        assertConsistent(last, metrics.get(1).get("testAccuracy").asDouble());

        awaitSucceeded(oneEpoch);
        JsonNode only = ok(get("/api/v1/training-jobs/" + oneEpoch + "/evaluation"));
        double epochAccuracy = ok(get("/api/v1/training-jobs/" + oneEpoch + "/metrics")).get("items").get(0)
                .get("testAccuracy").asDouble();
        assertConsistent(only, epochAccuracy);
        JsonNode model = await().atMost(Duration.ofMinutes(1)).until(
                () -> ok(get("/api/v1/training-jobs/" + oneEpoch)).get("model"), m -> m != null && !m.isNull());
        String version = "/api/v1/models/" + model.get("name").asString() + "/versions/" + model.get("version").asInt();

        // its only checkpoint is the version: the same images, the same network, the same matrix
        JsonNode evaluated = ok(post(version + "/evaluation"));
        JsonNode plain = evaluated.get("plain");
        assertThat(evaluated.get("dataset").asString()).isEqualTo("cifar10");
        assertThat(plain.get("confusionMatrix")).isEqualTo(only.get("confusionMatrix"));
        assertThat(plain.get("labels")).isEqualTo(only.get("labels"));
        assertThat(plain.get("perClass")).isEqualTo(only.get("perClass"));
        assertThat(plain.get("accuracy").asDouble()).isEqualTo(epochAccuracy);
        assertThat(ok(post(version + "/evaluation?dataset=cifar10")).get("plain").get("confusionMatrix"))
                .isEqualTo(only.get("confusionMatrix"));

        int correct = diagonal(only.get("confusionMatrix"));
        int mistakes = TEST_IMAGES - correct;
        assertThat(mistakes).as("one epoch on 200 images leaves mistakes to show").isPositive();
        JsonNode page = ok(get(version + "/misclassified?limit=3"));
        assertThat(page.get("page").asInt()).isZero();
        assertThat(page.get("size").asInt()).isEqualTo(3);
        assertThat(page.get("total").asLong()).isEqualTo(mistakes);
        JsonNode items = page.get("items");
        assertThat(items.size()).isEqualTo(Math.min(3, mistakes));
        LabelledImages test = data.cifar10().test();
        List<String> labels = test.classes();
        double previous = Double.MAX_VALUE;
        for (JsonNode item : items) {
            int index = item.get("index").asInt();
            String trueLabel = item.get("trueLabel").asString();
            String predicted = item.get("predictedLabel").asString();
            assertThat(trueLabel).isEqualTo(labels.get(test.label(index)));
            assertThat(predicted).as("a mistake").isNotEqualTo(trueLabel);
            assertThat(only.get("confusionMatrix").get(labels.indexOf(trueLabel)).get(labels.indexOf(predicted)).asInt())
                    .as("its cell in the matrix").isPositive();
            double confidence = item.get("confidence").asDouble();
            assertThat(confidence).isBetween(0.1, 1.0).isLessThanOrEqualTo(previous);
            previous = confidence;
            assertThumbnailIs(item.get("thumbnail").asString(), test, index);
        }
        JsonNode all = ok(get(version + "/misclassified?limit=100"));
        assertThat(all.get("items").size()).isEqualTo(mistakes);
        assertThat(all.get("items").get(0)).as("the same most confident mistake").isEqualTo(items.get(0));
        assertThat(ok(get(version + "/misclassified")).get("size").asInt()).as("default limit").isEqualTo(20);

        for (String limit : List.of("0", "101", "x")) {
            HttpResponse<String> refused = send(get(version + "/misclassified?limit=" + limit));
            assertThat(refused.statusCode()).as(limit).isEqualTo(400);
            assertThat(refused.body()).contains("limit");
        }
        HttpResponse<String> unknownSet = send(post(version + "/evaluation?dataset=nope"));
        assertThat(unknownSet.statusCode()).isEqualTo(400);
        assertThat(json.readTree(unknownSet.body()).get("detail").asString()).contains("nope");
        assertThat(send(get(version + "/misclassified?dataset=nope")).statusCode()).isEqualTo(400);

        // a data set whose classes are not the version's labels, and a version with labels no data set is known for
        String shapes = json.readTree(send(HttpRequest.newBuilder(uri("/api/v1/datasets?name=shapes"))
                .header("Content-Type", "application/zip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(DatasetArchives.zip(DatasetArchives.shapes("", 3, "png")))))
                .body()).get("id").asString();
        HttpResponse<String> otherClasses = send(post(version + "/evaluation?dataset=" + shapes));
        assertThat(otherClasses.statusCode()).isEqualTo(409);
        assertThat(json.readTree(otherClasses.body()).get("detail").asString()).contains(shapes).contains("labels");
        assertThat(send(get(version + "/misclassified?dataset=" + shapes)).statusCode()).isEqualTo(409);
        HttpResponse<String> imported = send(multipart("/api/v1/models/pc-custom/versions", modelZip(),
                "l0,l1,l2,l3,l4,l5,l6,l7,l8,l9"));
        assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
        HttpResponse<String> noSet = send(post("/api/v1/models/pc-custom/versions/1/evaluation"));
        assertThat(noSet.statusCode()).isEqualTo(409);
        assertThat(json.readTree(noSet.body()).get("detail").asString()).contains("?dataset=");
    }

    /** The matrix sums to the test set, its rows to each label's support, its diagonal share to the epoch's accuracy. */
    private static void assertConsistent(JsonNode evaluation, double testAccuracy) {
        JsonNode matrix = evaluation.get("confusionMatrix");
        assertThat(evaluation.get("labels")).hasSize(10);
        assertThat(matrix).hasSize(10);
        int sum = 0;
        for (int t = 0; t < 10; t++) {
            assertThat(matrix.get(t)).hasSize(10);
            int row = 0;
            for (JsonNode cell : matrix.get(t)) {
                row += cell.asInt();
            }
            sum += row;
            JsonNode perClass = evaluation.get("perClass").get(t);
            assertThat(perClass.get("label").asString()).isEqualTo(evaluation.get("labels").get(t).asString());
            assertThat(perClass.get("support").asInt()).as("row %d", t).isEqualTo(row).isEqualTo(TEST_IMAGES / 10);
            assertThat(perClass.get("recall").asDouble()).isEqualTo((double) matrix.get(t).get(t).asInt() / row);
        }
        assertThat(sum).isEqualTo(TEST_IMAGES);
        assertThat(evaluation.get("images").asInt()).isEqualTo(TEST_IMAGES);
        assertThat((double) diagonal(matrix) / TEST_IMAGES).isEqualTo(testAccuracy);
        assertThat(evaluation.get("accuracy").asDouble()).isEqualTo(testAccuracy);
    }

    private static int diagonal(JsonNode matrix) {
        int sum = 0;
        for (int i = 0; i < matrix.size(); i++) {
            sum += matrix.get(i).get(i).asInt();
        }
        return sum;
    }

    /** The data URL is a 32x32 PNG of exactly the stored pixels (channel planes R, G, B). */
    private static void assertThumbnailIs(String dataUrl, LabelledImages test, int index) throws Exception {
        String prefix = "data:image/png;base64,";
        assertThat(dataUrl).startsWith(prefix);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(dataUrl.substring(prefix.length()))));
        assertThat(image.getWidth()).isEqualTo(32);
        assertThat(image.getHeight()).isEqualTo(32);
        int offset = index * test.imageBytes();
        for (int y = 0; y < 32; y += 7) {
            for (int x = 0; x < 32; x += 5) {
                int rgb = image.getRGB(x, y);
                int at = offset + y * 32 + x;
                assertThat((rgb >> 16) & 0xff).isEqualTo(Byte.toUnsignedInt(test.pixels()[at]));
                assertThat((rgb >> 8) & 0xff).isEqualTo(Byte.toUnsignedInt(test.pixels()[at + 1024]));
                assertThat(rgb & 0xff).isEqualTo(Byte.toUnsignedInt(test.pixels()[at + 2048]));
            }
        }
    }

    private String submit(String body) throws Exception {
        HttpResponse<String> submitted = send(HttpRequest.newBuilder(uri("/api/v1/training-jobs"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        return json.readTree(submitted.body()).get("id").asString();
    }

    private void awaitSucceeded(String id) {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).until(() -> {
            String state = ok(get("/api/v1/training-jobs/" + id)).get("state").asString();
            assertThat(state).as("job " + id).isNotIn("FAILED", "CANCELLED");
            return state.equals("SUCCEEDED");
        });
    }

    private JsonNode ok(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = send(request);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(uri(path)).GET();
    }

    private HttpRequest.Builder post(String path) {
        return HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody());
    }

    private HttpRequest.Builder multipart(String path, byte[] zip, String labels) {
        String boundary = "per-class";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"labels\"\r\n\r\n" + labels
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.zip\"\r\n"
                + "Content-Type: application/zip\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(zip);
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(uri(path)).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray()));
    }

    private static byte[] modelZip() {
        Architecture baseline = Architectures.offered().get("baseline");
        return ModelZips.write(Networks.create(baseline, TrainingPlan.seedDefaults(baseline)));
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
