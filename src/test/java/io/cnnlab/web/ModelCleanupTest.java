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

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cleaning up over HTTP: an alias and a whole model can be deleted, version numbers are never given twice, and an
 * import reports the digest of the bytes that were sent beside the stored file's.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ModelCleanupTest {

    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(30);

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 10, 5);
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(ANSWER_WITHIN).build();
    private final JsonMapper json = JsonMapper.builder().build();

    private static byte[] model() throws IOException {
        Architecture baseline = Architectures.offered().get("baseline");
        return ModelZips.write(Networks.create(baseline, TrainingPlan.seedDefaults(baseline)));
    }

    @Test
    void anImportReportsTheUploadsDigestAndTheStoredFilesDigest() throws Exception {
        // the same network archived by another tool: entries in another order
        List<Map.Entry<String, byte[]>> entries = new ArrayList<>(ModelZips.entries(model()).entrySet());
        Collections.reverse(entries);
        Map<String, byte[]> reordered = new LinkedHashMap<>();
        entries.forEach(e -> reordered.put(e.getKey(), e.getValue()));
        byte[] zip = ModelZips.zip(reordered);

        HttpResponse<String> imported = importing("digests", zip);

        assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
        JsonNode version = json.readTree(imported.body());
        assertThat(version.get("uploadSha256").asString()).isEqualTo(sha256(zip));
        Path stored = home.resolve("storage").resolve("models").resolve("digests").resolve("v1.zip");
        assertThat(version.get("sha256").asString()).isEqualTo(sha256(Files.readAllBytes(stored)))
                .as("the stored file is the service's rewrite of the upload").isNotEqualTo(sha256(zip));
        assertThat(json.readTree(request("GET", "/api/v1/models/digests/versions/1").body()).get("uploadSha256")
                .asString()).isEqualTo(sha256(zip));
    }

    @Test
    void removingProductionGivesTheNewestVersionAgain() throws Exception {
        byte[] zip = model();
        importing("aliased", zip);
        importing("aliased", zip);
        HttpResponse<String> pointed = request("PUT", "/api/v1/models/aliased/aliases/production", "{\"version\":1}");
        assertThat(pointed.statusCode()).as(pointed.body()).isEqualTo(200);
        assertThat(defaultVersion("aliased")).isEqualTo(1);

        assertThat(request("DELETE", "/api/v1/models/aliased/aliases/production").statusCode()).isEqualTo(204);

        assertThat(defaultVersion("aliased")).isEqualTo(2);
        HttpResponse<String> again = request("DELETE", "/api/v1/models/aliased/aliases/production");
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(again.body()).contains("urn:problem-type:cnn-lab:not-found").contains("has no alias 'production'");
        assertThat(request("DELETE", "/api/v1/models/ghost/aliases/production").statusCode()).isEqualTo(404);
    }

    @Test
    void versionNumbersContinueAfterDeletingTheNewestAndAfterDeletingTheModel() throws Exception {
        byte[] zip = model();
        importing("numbered", zip);
        importing("numbered", zip);
        assertThat(request("DELETE", "/api/v1/models/numbered/versions/2").statusCode()).isEqualTo(204);

        assertThat(versionOf(importing("numbered", zip))).isEqualTo(3);

        assertThat(request("DELETE", "/api/v1/models/numbered").statusCode()).isEqualTo(204);
        assertThat(request("GET", "/api/v1/models/numbered").statusCode()).isEqualTo(404);
        assertThat(home.resolve("storage").resolve("models").resolve("numbered")).doesNotExist();
        assertThat(request("DELETE", "/api/v1/models/numbered").statusCode()).isEqualTo(404);

        assertThat(versionOf(importing("numbered", zip))).isEqualTo(4);
    }

    @Test
    void aModelATrainingJobWillRegisterIntoIsKeptUntilTheJobEnds() throws Exception {
        importing("awaited", model());
        HttpResponse<String> submitted = request("POST", "/api/v1/training-jobs",
                "{\"architecture\":\"baseline\",\"modelName\":\"awaited\",\"epochs\":500,\"batchSize\":10}");
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        String job = json.readTree(submitted.body()).get("id").asString();

        HttpResponse<String> refused = request("DELETE", "/api/v1/models/awaited");

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(refused.body()).contains(job).contains("queued or running training job");
        assertThat(request("GET", "/api/v1/models/awaited").statusCode()).isEqualTo(200);

        assertThat(request("POST", "/api/v1/training-jobs/" + job + "/cancel", "").statusCode()).isLessThan(300);
        await().atMost(ANSWER_WITHIN).until(() -> json.readTree(request("GET", "/api/v1/training-jobs/" + job).body())
                .get("state").asString().equals("CANCELLED"));
        assertThat(request("DELETE", "/api/v1/models/awaited").statusCode()).isEqualTo(204);
    }

    private int defaultVersion(String name) throws IOException, InterruptedException {
        return json.readTree(request("GET", "/api/v1/models/" + name).body()).get("defaultVersion").asInt();
    }

    private int versionOf(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json.readTree(response.body()).get("version").asInt();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private HttpResponse<String> importing(String name, byte[] zip) throws IOException, InterruptedException {
        String boundary = "----cnnlab" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"model.zip\""
                + "\r\nContent-Type: application/zip\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(zip);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/models/" + name + "/versions"))
                .timeout(ANSWER_WITHIN)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> request(String method, String path) throws IOException, InterruptedException {
        return request(method, path, null);
    }

    private HttpResponse<String> request(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(ANSWER_WITHIN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }
}
