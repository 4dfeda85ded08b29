package io.cnnlab.web;

import io.cnnlab.ServiceFixture;
import io.cnnlab.TestImages;
import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.datasets.DatasetArchives;
import io.cnnlab.networks.ModelZips;
import io.cnnlab.training.Networks;
import io.cnnlab.training.TrainingPlan;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The OpenAPI document against the running service: for every operation it lists, real calls that provoke a success
 * and an error, each answered with a status the operation documents, every error a problem of the service's own type.
 * A new endpoint fails {@link #everyDocumentedOperationWasCalled} until calls for it are added here.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DocumentedStatusesTest {

    private static final String PROBLEM_REF = "#/components/schemas/ProblemDetail";
    private static final String UNKNOWN_JOB = "00000000-0000-4000-8000-000000000000";
    // long enough to stay running (A) and queued behind it (B) until cancelled
    private static final String LONG_JOB = "{\"architecture\":\"baseline\",\"epochs\":500,\"batchSize\":4}";

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 10, 20);
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();
    private final SoftAssertions softly = new SoftAssertions();
    private final Set<String> succeeded = new TreeSet<>();
    private final Set<String> failed = new TreeSet<>();
    private JsonNode paths;

    @Test
    void everyDocumentedOperationWasCalled() throws Exception {
        paths = json.readTree(http.send(HttpRequest.newBuilder(uri("/v3/api-docs")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).get("paths");
        everyDocumentedErrorIsAProblem();

        models();
        classification();
        openInference();
        deletions();
        trainingJobs();
        datasets();
        methodsNotDocumentedAre405();

        Set<String> documented = new TreeSet<>();
        paths.propertyNames().forEach(path -> paths.get(path).propertyNames().forEach(method -> documented.add(key(method, path))));
        softly.assertThat(succeeded).as("operations called with a documented success").containsExactlyElementsOf(documented);
        softly.assertThat(failed).as("operations called with a documented error").containsExactlyElementsOf(documented);
        softly.assertAll();
    }

    private void everyDocumentedErrorIsAProblem() {
        paths.propertyNames().forEach(path -> paths.get(path).propertyNames().forEach(method -> {
            JsonNode responses = paths.get(path).get(method).get("responses");
            // a 304 has no body by definition
            responses.propertyNames().stream().filter(code -> !code.startsWith("2") && !code.equals("304")).forEach(code ->
                    softly.assertThat(responses.get(code).path("content").path("application/problem+json").path("schema")
                            .path("$ref").asString("")).as(key(method, path) + " " + code).isEqualTo(PROBLEM_REF));
        }));
    }

    private void models() throws Exception {
        byte[] zip = modelZip();
        call(201, "POST", "/api/v1/models/{name}/versions", "/api/v1/models/doc/versions", multipart("file", zip));
        call(201, "POST", "/api/v1/models/{name}/versions", "/api/v1/models/doc/versions", multipart("file", zip));
        call(400, "POST", "/api/v1/models/{name}/versions", "/api/v1/models/doc/versions", multipart("model", zip));
        call(415, "POST", "/api/v1/models/{name}/versions", "/api/v1/models/doc/versions", body("application/json", "{}"));

        call(200, "GET", "/api/v1/models", "/api/v1/models", get());
        call(406, "GET", "/api/v1/models", "/api/v1/models", get().header("Accept", "text/csv"));
        call(200, "GET", "/api/v1/models/{name}", "/api/v1/models/doc", get());
        call(404, "GET", "/api/v1/models/{name}", "/api/v1/models/nope", get());
        call(200, "GET", "/api/v1/models/{name}/versions/{version}", "/api/v1/models/doc/versions/1", get());
        call(404, "GET", "/api/v1/models/{name}/versions/{version}", "/api/v1/models/doc/versions/9", get());
        call(400, "GET", "/api/v1/models/{name}/versions/{version}", "/api/v1/models/doc/versions/latest", get());
        call(200, "GET", "/api/v1/models/{name}/versions", "/api/v1/models/doc/versions", get());
        call(404, "GET", "/api/v1/models/{name}/versions", "/api/v1/models/nope/versions", get());

        String alias = "/api/v1/models/{name}/aliases/{alias}";
        call(200, "PUT", alias, "/api/v1/models/doc/aliases/production", put("{\"version\":1}"));
        call(400, "PUT", alias, "/api/v1/models/doc/aliases/production", put("{\"version\":0}"));
        call(404, "PUT", alias, "/api/v1/models/nope/aliases/production", put("{\"version\":1}"));

        String file = "/api/v1/models/{name}/versions/{version}/file";
        String etag = call(200, "GET", file, "/api/v1/models/doc/versions/1/file", get()).headers().firstValue("ETag").orElse("");
        call(304, "GET", file, "/api/v1/models/doc/versions/1/file", get().header("If-None-Match", etag));
        call(404, "GET", file, "/api/v1/models/doc/versions/9/file", get());
        call(200, "GET", "/api/v1/models/{name}/file", "/api/v1/models/doc/file", get());
        call(404, "GET", "/api/v1/models/{name}/file", "/api/v1/models/nope/file", get());
        String aliasFile = "/api/v1/models/{name}/aliases/{alias}/file";
        call(200, "GET", aliasFile, "/api/v1/models/doc/aliases/production/file", get());
        call(404, "GET", aliasFile, "/api/v1/models/doc/aliases/staging/file", get());

        String evaluation = "/api/v1/models/{name}/versions/{version}/evaluation";
        call(200, "POST", evaluation, "/api/v1/models/doc/versions/1/evaluation", post());
        call(404, "POST", evaluation, "/api/v1/models/doc/versions/9/evaluation", post());
        call(400, "POST", evaluation, "/api/v1/models/doc/versions/1/evaluation?dataset=nope", post());
        String misclassified = "/api/v1/models/{name}/versions/{version}/misclassified";
        call(200, "GET", misclassified, "/api/v1/models/doc/versions/1/misclassified?limit=5", get());
        call(400, "GET", misclassified, "/api/v1/models/doc/versions/1/misclassified?limit=0", get());
        call(404, "GET", misclassified, "/api/v1/models/doc/versions/9/misclassified", get());

        call(200, "GET", "/api/v1/architectures", "/api/v1/architectures", get());
        call(406, "GET", "/api/v1/architectures", "/api/v1/architectures", get().header("Accept", "text/csv"));
    }

    private void classification() throws Exception {
        byte[] png = TestImages.png(32, 32, 3);
        call(200, "POST", "/api/v1/models/{name}/classify", "/api/v1/models/doc/classify", body("image/png", png));
        call(415, "POST", "/api/v1/models/{name}/classify", "/api/v1/models/doc/classify", body("text/plain", "hello"));
        call(404, "POST", "/api/v1/models/{name}/classify", "/api/v1/models/nope/classify", body("image/png", png));
        String byVersion = "/api/v1/models/{name}/versions/{version}/classify";
        call(200, "POST", byVersion, "/api/v1/models/doc/versions/2/classify", multipart("file", png));
        call(404, "POST", byVersion, "/api/v1/models/doc/versions/9/classify", body("image/png", png));
        String byAlias = "/api/v1/models/{name}/aliases/{alias}/classify";
        String images = "{\"images\":[\"" + Base64.getEncoder().encodeToString(png) + "\"]}";
        call(200, "POST", byAlias, "/api/v1/models/doc/aliases/production/classify", body("application/json", images));
        call(404, "POST", byAlias, "/api/v1/models/doc/aliases/staging/classify", body("application/json", images));
    }

    private void openInference() throws Exception {
        for (String path : List.of("/v2/health/live", "/v2/health/ready", "/v2", "/v2/")) {
            call(200, "GET", path, path, get());
            call(406, "GET", path, path, get().header("Accept", "text/csv"));
        }
        call(200, "GET", "/v2/models/{name}", "/v2/models/doc", get());
        call(404, "GET", "/v2/models/{name}", "/v2/models/nope", get());
        call(200, "GET", "/v2/models/{name}/versions/{version}", "/v2/models/doc/versions/1", get());
        call(404, "GET", "/v2/models/{name}/versions/{version}", "/v2/models/doc/versions/9", get());
        call(200, "GET", "/v2/models/{name}/ready", "/v2/models/doc/ready", get());
        call(404, "GET", "/v2/models/{name}/ready", "/v2/models/nope/ready", get());
        call(200, "GET", "/v2/models/{name}/versions/{version}/ready", "/v2/models/doc/versions/1/ready", get());
        call(404, "GET", "/v2/models/{name}/versions/{version}/ready", "/v2/models/doc/versions/9/ready", get());

        String image = Base64.getEncoder().encodeToString(TestImages.png(32, 32, 4));
        String infer = "{\"inputs\":[{\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"" + image + "\"]}]}";
        String otherOutput = infer.replace("]}]}", "]}],\"outputs\":[{\"name\":\"logits\"}]}");
        call(200, "POST", "/v2/models/{name}/infer", "/v2/models/doc/infer", body("application/json", infer));
        call(400, "POST", "/v2/models/{name}/infer", "/v2/models/doc/infer", body("application/json", otherOutput));
        call(415, "POST", "/v2/models/{name}/infer", "/v2/models/doc/infer", body("text/plain", infer));
        call(404, "POST", "/v2/models/{name}/infer", "/v2/models/nope/infer", body("application/json", infer));
        String byVersion = "/v2/models/{name}/versions/{version}/infer";
        call(200, "POST", byVersion, "/v2/models/doc/versions/1/infer", body("application/json", infer));
        call(404, "POST", byVersion, "/v2/models/doc/versions/9/infer", body("application/json", infer));
    }

    private void deletions() throws Exception {
        String version = "/api/v1/models/{name}/versions/{version}";
        call(409, "DELETE", version, "/api/v1/models/doc/versions/1", delete());
        String alias = "/api/v1/models/{name}/aliases/{alias}";
        call(204, "DELETE", alias, "/api/v1/models/doc/aliases/production", delete());
        call(404, "DELETE", alias, "/api/v1/models/doc/aliases/production", delete());
        call(204, "DELETE", version, "/api/v1/models/doc/versions/1", delete());
        call(404, "DELETE", version, "/api/v1/models/doc/versions/1", delete());
        call(204, "DELETE", "/api/v1/models/{name}", "/api/v1/models/doc", delete());
        call(404, "DELETE", "/api/v1/models/{name}", "/api/v1/models/doc", delete());
    }

    private void trainingJobs() throws Exception {
        String jobs = "/api/v1/training-jobs";
        String running = id(call(202, "POST", jobs, jobs, body("application/json", LONG_JOB)));
        String queued = id(call(202, "POST", jobs, jobs, body("application/json", LONG_JOB).header("Idempotency-Key", "doc-b")));
        call(422, "POST", jobs, jobs, body("application/json", LONG_JOB.replace("500", "400")).header("Idempotency-Key", "doc-b"));
        call(400, "POST", jobs, jobs, body("application/json", "{\"architecture\":\"baseline\",\"max_steps\":5}"));
        call(415, "POST", jobs, jobs, body("text/plain", LONG_JOB));
        call(200, "GET", jobs, jobs, get());
        call(400, "GET", jobs, jobs + "?state=bogus", get());

        String job = jobs + "/{id}";
        call(200, "GET", job, jobs + "/" + running, get());
        call(404, "GET", job, jobs + "/" + UNKNOWN_JOB, get());
        await().atMost(Duration.ofMinutes(1)).until(() -> state(running).equals("RUNNING"));
        call(409, "DELETE", job, jobs + "/" + running, delete());

        String more = job + "/continue";
        call(409, "POST", more, jobs + "/" + running + "/continue", body("application/json", "{\"epochs\":1}"));
        // a checkpoint first, so that the cancelled job can be continued
        await().atMost(Duration.ofMinutes(1)).until(() -> json.readTree(http.send(HttpRequest.newBuilder(
                uri(jobs + "/" + running + "/checkpoints")).build(), HttpResponse.BodyHandlers.ofString()).body())
                .get("total").asLong() > 0);

        String cancel = job + "/cancel";
        call(200, "POST", cancel, jobs + "/" + queued + "/cancel", post());
        call(202, "POST", cancel, jobs + "/" + running + "/cancel", post());
        call(404, "POST", cancel, jobs + "/" + UNKNOWN_JOB + "/cancel", post());
        await().atMost(Duration.ofMinutes(1)).until(() -> state(running).equals("CANCELLED"));
        call(409, "POST", cancel, jobs + "/" + running + "/cancel", post());

        String continued = id(call(202, "POST", more, jobs + "/" + running + "/continue", body("application/json", "{\"epochs\":1}")));
        http.send(post().uri(uri(jobs + "/" + continued + "/cancel")).build(), HttpResponse.BodyHandlers.ofString());
        call(409, "POST", more, jobs + "/" + queued + "/continue", body("application/json", "{\"epochs\":1}"));
        call(400, "POST", more, jobs + "/" + running + "/continue", body("application/json", "{\"epochs\":0}"));
        call(404, "POST", more, jobs + "/" + UNKNOWN_JOB + "/continue", body("application/json", "{\"epochs\":1}"));
        // a short job evaluates its one epoch
        String evaluated = id(call(202, "POST", jobs, jobs, body("application/json",
                "{\"architecture\":\"baseline\",\"epochs\":1,\"batchSize\":10,\"modelName\":\"doc-evaluated\"}")));
        await().atMost(Duration.ofMinutes(2)).until(() -> state(evaluated).equals("SUCCEEDED"));
        call(200, "GET", job + "/evaluation", jobs + "/" + evaluated + "/evaluation", get());
        call(404, "GET", job + "/evaluation", jobs + "/" + UNKNOWN_JOB + "/evaluation", get());

        for (String part : List.of("/metrics", "/checkpoints")) {
            call(200, "GET", job + part, jobs + "/" + running + part, get());
            call(404, "GET", job + part, jobs + "/" + UNKNOWN_JOB + part, get());
        }
        // an ended job's stream: its state, then the end
        call(200, "GET", job + "/events", jobs + "/" + running + "/events", get().header("Accept", "text/event-stream"));
        call(404, "GET", job + "/events", jobs + "/" + UNKNOWN_JOB + "/events", get().header("Accept", "text/event-stream"));

        String comparisons = "/api/v1/comparisons";
        call(200, "GET", comparisons, comparisons + "?jobs=" + running + "," + queued, get());
        call(400, "GET", comparisons, comparisons, get());
        call(404, "GET", comparisons, comparisons + "?jobs=" + UNKNOWN_JOB, get());

        call(204, "DELETE", job, jobs + "/" + running, delete());
        call(404, "DELETE", job, jobs + "/" + running, delete());
    }

    private void datasets() throws Exception {
        String datasets = "/api/v1/datasets";
        byte[] shapes = DatasetArchives.zip(DatasetArchives.shapes("", 3, "png"));
        String id = json.readTree(call(201, "POST", datasets, datasets + "?name=doc", body("application/zip", shapes))
                .body()).get("id").asString();
        call(201, "POST", datasets, datasets + "?name=doc2", multipart("file", shapes));
        call(415, "POST", datasets, datasets, body("application/zip", "not an archive"));
        call(403, "POST", datasets, datasets, body("application/json", "{\"name\":\"here\",\"path\":\"/tmp\"}"));
        call(200, "GET", datasets, datasets, get());
        call(400, "GET", datasets, datasets + "?size=0", get());
        call(200, "GET", "/api/v1/architectures", "/api/v1/architectures?dataset=" + id, get());
        call(400, "GET", "/api/v1/architectures", "/api/v1/architectures?dataset=nope", get());
        call(400, "POST", "/api/v1/training-jobs", "/api/v1/training-jobs",
                body("application/json", "{\"architecture\":\"baseline\",\"dataset\":\"nope\"}"));
        call(400, "POST", "/api/v1/training-jobs", "/api/v1/training-jobs",
                body("application/json", "{\"architecture\":\"baseline\",\"initFrom\":{\"model\":\"nope\"}}"));
        String one = datasets + "/{id}";
        call(200, "GET", one, datasets + "/" + id, get());
        call(404, "GET", one, datasets + "/" + UNKNOWN_JOB, get());
        String samples = one + "/samples";
        call(200, "GET", samples, datasets + "/" + id + "/samples?perClass=2", get());
        call(200, "GET", samples, datasets + "/cifar10/samples?perClass=1", get());
        call(400, "GET", samples, datasets + "/" + id + "/samples?perClass=21", get());
        call(404, "GET", samples, datasets + "/" + UNKNOWN_JOB + "/samples", get());
        call(409, "DELETE", one, datasets + "/cifar10", delete());
        call(204, "DELETE", one, datasets + "/" + id, delete());
        call(404, "DELETE", one, datasets + "/" + id, delete());
    }

    /** A method a path does not document is a 405 problem whose Allow header lists the documented ones. */
    private void methodsNotDocumentedAre405() throws Exception {
        for (String path : paths.propertyNames()) {
            String concrete = path.replace("{name}", "doc").replace("{version}", "1").replace("{alias}", "production")
                    .replace("{id}", UNKNOWN_JOB);
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(concrete))
                    .method("PATCH", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            softly.assertThat(response.statusCode()).as("PATCH " + path).isEqualTo(405);
            assertProblem("PATCH " + path, response);
            Set<String> allowed = new TreeSet<>();
            response.headers().firstValue("Allow").ifPresent(value -> List.of(value.split(",\\s*")).forEach(allowed::add));
            Set<String> documented = new TreeSet<>();
            paths.get(path).propertyNames().forEach(method -> documented.add(method.toUpperCase(java.util.Locale.ROOT)));
            softly.assertThat(allowed).as("Allow of " + path).containsAll(documented);
            allowed.removeAll(documented);
            softly.assertThat(allowed).as("Allow of " + path + " beyond the document").isSubsetOf("HEAD", "OPTIONS");
        }
    }

    /**
     * Calls {@code method path} (an instance of the documented {@code template}): the status must be {@code expected}
     * and documented for the operation; an error must be the service's own problem.
     */
    private HttpResponse<String> call(int expected, String method, String template, String path,
                                      HttpRequest.Builder request) throws Exception {
        String operation = key(method, template);
        HttpResponse<String> response = http.send(request.uri(uri(path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        String where = method + " " + path;
        softly.assertThat(status).as(where + ": " + response.body()).isEqualTo(expected);
        JsonNode responses = paths.path(template).path(method.toLowerCase(java.util.Locale.ROOT)).path("responses");
        softly.assertThat(responses.isMissingNode()).as(operation + " is in the document").isFalse();
        softly.assertThat(responses.propertyNames()).as(where + " answered " + status + ", documented")
                .contains(String.valueOf(status));
        if (status >= 400) {
            assertProblem(where, response);
            failed.add(operation);
        } else if (status < 300 && status == expected) {
            succeeded.add(operation);
        }
        return response;
    }

    private void assertProblem(String where, HttpResponse<String> response) {
        softly.assertThat(response.headers().firstValue("Content-Type").orElse("")).as(where + " content type")
                .startsWith("application/problem+json");
        String type;
        try {
            type = json.readTree(response.body()).path("type").asString("");
        } catch (RuntimeException e) {
            type = "(no JSON body)";
        }
        softly.assertThat(type).as(where + " problem type").isNotEqualTo("about:blank").startsWith("urn:problem-type:cnn-lab:");
    }

    private static String key(String method, String path) {
        return method.toUpperCase(java.util.Locale.ROOT) + " " + path;
    }

    private String id(HttpResponse<String> submitted) {
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        return json.readTree(submitted.body()).get("id").asString();
    }

    private String state(String id) throws Exception {
        return json.readTree(http.send(HttpRequest.newBuilder(uri("/api/v1/training-jobs/" + id)).build(),
                HttpResponse.BodyHandlers.ofString()).body()).get("state").asString();
    }

    private static byte[] modelZip() {
        Architecture baseline = Architectures.offered().get("baseline");
        return ModelZips.write(Networks.create(baseline, TrainingPlan.seedDefaults(baseline)));
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private static HttpRequest.Builder get() {
        return HttpRequest.newBuilder().GET();
    }

    private static HttpRequest.Builder post() {
        return HttpRequest.newBuilder().POST(HttpRequest.BodyPublishers.noBody());
    }

    private static HttpRequest.Builder put(String json) {
        return HttpRequest.newBuilder().header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json));
    }

    private static HttpRequest.Builder delete() {
        return HttpRequest.newBuilder().DELETE();
    }

    private static HttpRequest.Builder body(String contentType, String content) {
        return body(contentType, content.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpRequest.Builder body(String contentType, byte[] content) {
        return HttpRequest.newBuilder().header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(content));
    }

    private static HttpRequest.Builder multipart(String partName, byte[] content) {
        String boundary = "documented-statuses";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + partName
                + "\"; filename=\"upload.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(content);
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body("multipart/form-data; boundary=" + boundary, out.toByteArray());
    }
}
