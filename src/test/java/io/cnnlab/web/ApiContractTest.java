package io.cnnlab.web;

import io.cnnlab.ServiceFixture;
import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.networks.ModelZips;
import io.cnnlab.training.Networks;
import io.cnnlab.training.TrainingPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API as a contract: the OpenAPI document states what the service really answers, and errors the framework
 * raises (binding, 405, 406, 415) are the service's own problems, naming parameters as the API names them.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApiContractTest {

    private static final Set<String> TAGS = Set.of("Training jobs", "Models", "Classification", "Comparisons",
            "Architectures", "Open Inference Protocol (V2)", "Data sets");
    private static final String PROBLEM_REF = "#/components/schemas/ProblemDetail";

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 10, 4);
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void theDocumentStatesRealStatusesAndOneProblemSchema() throws Exception {
        JsonNode doc = json.readTree(send(HttpRequest.newBuilder(uri("/v3/api-docs"))).body());
        JsonNode paths = doc.get("paths");

        JsonNode submit = paths.get("/api/v1/training-jobs").get("post").get("responses");
        assertThat(names(submit)).contains("202", "400", "409", "422", "429").doesNotContain("200");
        assertThat(submit.get("202").get("content").has("application/json")).isTrue();
        for (String code : List.of("400", "409", "422", "429")) {
            JsonNode content = submit.get(code).get("content");
            assertThat(names(content)).as(code).containsExactly("application/problem+json");
            assertThat(content.get("application/problem+json").get("schema").get("$ref").asString()).isEqualTo(PROBLEM_REF);
        }
        JsonNode problem = doc.get("components").get("schemas").get("ProblemDetail").get("properties");
        assertThat(names(problem)).containsExactlyInAnyOrder("type", "title", "status", "detail", "instance", "errors");
        assertThat(names(problem.get("errors").get("items").get("properties"))).containsExactlyInAnyOrder("field", "message");

        assertThat(names(paths.get("/api/v1/models/{name}/versions").get("post").get("responses"))).contains("201").doesNotContain("200");
        assertThat(names(paths.get("/api/v1/training-jobs/{id}").get("delete").get("responses"))).contains("204", "409").doesNotContain("200");
        assertThat(names(paths.get("/api/v1/models/{name}/versions/{version}").get("delete").get("responses"))).contains("204").doesNotContain("200");
        assertThat(names(paths.get("/api/v1/training-jobs/{id}/cancel").get("post").get("responses"))).contains("200", "202", "409");

        assertThat(names(paths.get("/v2/health/live").get("get").get("responses"))).as("probes need no key")
                .doesNotContain("401", "403");
        assertThat(names(paths.get("/api/v1/models").get("get").get("responses"))).contains("401", "403", "406", "500");

        int operations = 0;
        for (String path : names(paths)) {
            for (String method : names(paths.get(path))) {
                JsonNode operation = paths.get(path).get(method);
                String where = method + " " + path;
                operations++;
                assertThat(operation.path("summary").asString("")).as(where).isNotBlank();
                assertThat(operation.get("tags")).as(where).hasSize(1);
                assertThat(TAGS).as(where).contains(operation.get("tags").get(0).asString());
                for (String code : names(operation.get("responses"))) {
                    if (code.startsWith("4") || code.startsWith("5")) {
                        assertThat(operation.get("responses").get(code).get("content").get("application/problem+json")
                                .get("schema").get("$ref").asString()).as(where + " " + code).isEqualTo(PROBLEM_REF);
                    }
                }
            }
        }
        assertThat(operations).isGreaterThanOrEqualTo(28);
        String text = doc.toString();
        assertThat(text).doesNotContain("*/*").doesNotContain("SseEmitter").doesNotContain("-controller");

        JsonNode events = paths.get("/api/v1/training-jobs/{id}/events").get("get").get("responses").get("200").get("content");
        assertThat(names(events)).containsExactly("text/event-stream");
        assertThat(events.get("text/event-stream").get("schema").get("type").asString()).isEqualTo("string");

        JsonNode classify = paths.get("/api/v1/models/{name}/classify").get("post").get("requestBody").get("content");
        assertThat(names(classify)).containsExactlyInAnyOrder("multipart/form-data", "image/*", "application/json");
        assertThat(classify.get("image/*").get("schema").get("format").asString()).isEqualTo("binary");

        JsonNode datasets = paths.get("/api/v1/datasets").get("post");
        assertThat(names(datasets.get("requestBody").get("content"))).contains("application/zip", "application/gzip",
                "multipart/form-data", "application/json");
        assertThat(names(datasets.get("responses"))).contains("201", "400", "403", "413", "415").doesNotContain("200");
        assertThat(names(paths.get("/api/v1/datasets/{id}").get("delete").get("responses"))).contains("204", "409");

        // per-class evaluation: one shape in a job's epoch and a version's evaluation; matrices stay out of metrics rows
        JsonNode schemas = doc.get("components").get("schemas");
        assertThat(names(schemas.get("Evaluation").get("properties"))).contains("loss", "accuracy", "images", "labels",
                "confusionMatrix", "perClass").doesNotContain("confusion");
        assertThat(names(schemas.get("JobEvaluationView").get("properties"))).containsExactlyInAnyOrder("epoch", "step",
                "labels", "confusionMatrix", "perClass", "accuracy", "images");
        assertThat(names(schemas.get("LabelMetrics").get("properties"))).containsExactlyInAnyOrder("label", "precision",
                "recall", "f1", "support");
        assertThat(names(schemas.get("EpochRecord").get("properties"))).doesNotContain("testConfusion");
        assertThat(names(paths.get("/api/v1/training-jobs/{id}/evaluation").get("get").get("responses"))).contains("200", "404");
        JsonNode mistakes = paths.get("/api/v1/models/{name}/versions/{version}/misclassified").get("get");
        assertThat(names(mistakes.get("responses"))).contains("200", "400", "404", "409", "503");
        assertThat(mistakes.get("responses").get("200").get("content").get("application/json").get("schema").get("$ref")
                .asString()).isEqualTo("#/components/schemas/PageOfMistake");
        assertThat(names(paths.get("/api/v1/models/{name}/versions/{version}/evaluation").get("post").get("responses")))
                .contains("200", "400", "404", "409", "503");

        JsonNode request = doc.get("components").get("schemas").get("TrainingJobRequest").get("properties");
        assertThat(request.get("learningRate").get("exclusiveMinimum").asDouble()).isEqualTo(0.0);
        assertThat(request.get("learningRate").has("minimum")).isFalse();
        assertThat(request.toString()).as("defaults are the recipe's, not the schema's").doesNotContain("\"default\"");

        String description = doc.get("info").get("description").asString();
        assertThat(Architectures.offered().names()).hasSize(8)
                .allSatisfy(name -> assertThat(description).contains(name));
    }

    @Test
    void everyCollectionIsDocumentedAsTheOneEnvelopeWithOneNamePerMeaning() throws Exception {
        JsonNode doc = json.readTree(send(HttpRequest.newBuilder(uri("/v3/api-docs"))).body());
        JsonNode schemas = doc.get("components").get("schemas");
        java.util.Map<String, String> itemsOf = java.util.Map.of(
                "/api/v1/training-jobs", "TrainingJobView",
                "/api/v1/training-jobs/{id}/metrics", "EpochRecord",
                "/api/v1/training-jobs/{id}/checkpoints", "Checkpoint",
                "/api/v1/models", "Model",
                "/api/v1/models/{name}/versions", "ModelVersion",
                "/api/v1/comparisons", "RunSummary",
                "/api/v1/architectures", "ArchitectureView");
        itemsOf.forEach((path, item) -> {
            JsonNode get = doc.get("paths").get(path).get("get");
            assertThat(get.get("responses").get("200").get("content").get("application/json").get("schema")
                    .get("$ref").asString()).as(path).isEqualTo("#/components/schemas/PageOf" + item);
            JsonNode page = schemas.get("PageOf" + item).get("properties");
            assertThat(names(page)).as(path).containsExactlyInAnyOrder("items", "page", "size", "total");
            assertThat(page.get("items").get("items").get("$ref").asString()).as(path)
                    .isEqualTo("#/components/schemas/" + item);
            JsonNode parameters = get.get("parameters");
            for (String name : List.of("page", "size")) {
                JsonNode parameter = null;
                for (JsonNode p : parameters) {
                    parameter = p.get("name").asString().equals(name) ? p : parameter;
                }
                assertThat(parameter).as(path + " " + name).isNotNull();
                assertThat(parameter.get("schema").get("minimum").asInt()).as(path + " " + name)
                        .isEqualTo(name.equals("page") ? 0 : 1);
                assertThat(parameter.get("schema").get("maximum").asInt()).as(path + " " + name)
                        .isEqualTo(name.equals("page") ? 1_000_000 : 1000);
            }
        });
        assertThat(schemas.has("JobPage")).isFalse();
        for (String counted : List.of("ModelVersion", "RunSummary", "ArchitectureView", "LayerView")) {
            assertThat(names(schemas.get(counted).get("properties"))).as(counted)
                    .contains("parameterCount").doesNotContain("parameters", "epochs", "steps");
        }
        assertThat(names(schemas.get("RunSummary").get("properties"))).contains("epochsCompleted", "stepsCompleted");
        assertThat(names(schemas.get("ArchitectureView").get("properties"))).contains("trainableParameterCount");
        assertThat(names(schemas.get("Recipe").get("properties"))).as("epochs asked for").contains("epochs");
    }

    @Test
    void bindingErrorsNameTheParameterAsTheApiDoes() throws Exception {
        assertThat(get("/api/v1/training-jobs?state=running").statusCode()).as("enums accept any case").isEqualTo(200);
        assertInvalid(get("/api/v1/training-jobs?state=bogus"), "state", "QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED");
        assertInvalid(get("/api/v1/training-jobs?size=0"), "size", "greater than or equal to 1");
        assertInvalid(get("/api/v1/training-jobs?page=abc"), "page", "whole number");
        assertInvalid(get("/api/v1/models/m/versions/latest"), "version", "whole number, was 'latest'");
        assertInvalid(get("/api/v1/comparisons"), "jobs", "required");
        assertInvalid(post("/api/v1/models/m/classify?topK=abc", "image/png", png()), "topK", "whole number");
        assertInvalid(post("/api/v1/models/m/classify?topK=0", "image/png", png()), "topK", "greater than or equal to 1");
        assertInvalid(multipart("/api/v1/models/m/classify", "image", png()), "file", "no part named 'file'");
        assertInvalid(multipart("/api/v1/models/m/versions", "model", new byte[]{1}), "file", "no part named 'file'");
    }

    @Test
    void methodAndMediaTypeErrorsAreTheServicesProblems() throws Exception {
        HttpResponse<String> put = send(HttpRequest.newBuilder(uri("/api/v1/training-jobs"))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{}")));
        JsonNode notAllowed = assertProblem(put, 405, "method-not-allowed");
        assertThat(notAllowed.get("detail").asString()).isEqualTo("PUT is not allowed here; allowed: GET, POST");
        assertThat(put.headers().firstValue("Allow").orElseThrow()).contains("GET").contains("POST");

        HttpResponse<String> csv = send(HttpRequest.newBuilder(uri("/api/v1/architectures")).header("Accept", "text/csv"));
        assertThat(assertProblem(csv, 406, "not-acceptable").get("detail").asString()).contains("application/json");

        HttpResponse<String> text = post("/api/v1/models/m/classify", "text/plain", "hello".getBytes(StandardCharsets.UTF_8));
        String detail = assertProblem(text, 415, "unsupported-media-type").get("detail").asString();
        assertThat(detail).contains("text/plain").contains("multipart/form-data").contains("image/*").contains("application/json");
        assertThat(text.headers().firstValue("Accept-Post").orElseThrow())
                .contains("multipart/form-data").contains("image/*").contains("application/json");
    }

    @Test
    void imagesInNoKnownFormatAre415DamagedOnes400AndDataUrlsAreAccepted() throws Exception {
        importModel("contract");
        byte[] notAnImage = "not an image, just text ".repeat(5).substring(0, 100).getBytes(StandardCharsets.US_ASCII);
        assertProblem(post("/api/v1/models/contract/classify", "image/png", notAnImage), 415, "unsupported-image");
        byte[] damagedPng = Arrays.copyOf(png(), 100);
        assertProblem(post("/api/v1/models/contract/classify", "image/png", damagedPng), 400, "unreadable-image");

        String dataUrl = "data:image/png;base64," + Base64.getEncoder().encodeToString(png());
        HttpResponse<String> classified = post("/api/v1/models/contract/classify?topK=2", "application/json",
                ("{\"images\":[\"" + dataUrl + "\"]}").getBytes(StandardCharsets.UTF_8));
        assertThat(classified.statusCode()).as(classified.body()).isEqualTo(200);
        assertThat(json.readTree(classified.body()).get("predictions").get(0)).hasSize(2);
        assertInvalid(post("/api/v1/models/contract/classify", "application/json",
                "{\"images\":[\"data:image/png,abc\"]}".getBytes(StandardCharsets.UTF_8)), null, "data URL must be base64");
    }

    private void importModel(String name) throws Exception {
        Architecture baseline = Architectures.offered().get("baseline");
        HttpResponse<String> imported = multipart("/api/v1/models/" + name + "/versions", "file",
                ModelZips.write(Networks.create(baseline, TrainingPlan.seedDefaults(baseline))));
        assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
    }

    private JsonNode assertProblem(HttpResponse<String> response, int status, String kind) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        JsonNode problem = json.readTree(response.body());
        assertThat(problem.get("type").asString()).isEqualTo("urn:problem-type:cnn-lab:" + kind);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        return problem;
    }

    /** A 400 whose errors name {@code field} (when given) with a message containing {@code message}. */
    private void assertInvalid(HttpResponse<String> response, String field, String message) throws Exception {
        JsonNode problem = assertProblem(response, 400, "invalid-request");
        assertThat(problem.get("detail").asString()).contains(message).doesNotContain("list.").doesNotContain("raw.");
        if (field != null) {
            assertThat(problem.get("errors")).hasSize(1);
            assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo(field);
            assertThat(problem.get("detail").asString()).startsWith(field + ": ");
        }
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.propertyNames().forEach(names::add);
        return names;
    }

    private static byte[] png() throws Exception {
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                image.setRGB(x, y, (x * 8) << 16 | (y * 8) << 8 | ((x + y) * 4));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)));
    }

    private HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private HttpResponse<String> multipart(String path, String partName, byte[] content) throws Exception {
        String boundary = "contract-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + partName
                + "\"; filename=\"upload.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return post(path, "multipart/form-data; boundary=" + boundary, body.toByteArray());
    }
}
