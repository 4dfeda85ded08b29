package io.cnnlab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two one-epoch jobs train into one model: each job names the version it became (single and list views), a finished
 * job leaves no series tagged with its id, and classifying with both versions fills one latency histogram.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class JobModelLinkAndBoundedMetricsTest {

    private static final String JOB = "{\"architecture\":\"baseline\",\"epochs\":1,\"batchSize\":10,\"modelName\":\"linked\"}";

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 20, 41);
        registry.add("cnn.training.max-submissions-per-minute", () -> "1000");
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private ServiceClient client;

    private ServiceClient client() {
        if (client == null) {
            client = new ServiceClient(port);
        }
        return client;
    }


    @Test
    void aJobLinksToItsVersionAndLeavesNoSeriesBehind() throws Exception {
        String first = trained();
        String second = trained();

        for (String id : List.of(first, second)) {
            JsonNode model = client().job(id).get("model");
            assertThat(model.get("name").asString()).isEqualTo("linked");
            JsonNode version = client().read(client().send("GET", "/api/v1/models/linked/versions/" + model.get("version").asInt(), null));
            assertThat(version.get("jobId").asString()).isEqualTo(id);
        }
        assertThat(client().job(first).get("model").get("version").asInt()).isEqualTo(1);
        assertThat(client().job(second).get("model").get("version").asInt()).isEqualTo(2);
        JsonNode page = client().read(client().send("GET", "/api/v1/training-jobs", null)).get("items");
        assertThat(page).hasSize(2);
        for (JsonNode item : page) {
            assertThat(item.get("model").get("version").asInt())
                    .isEqualTo(item.get("id").asString().equals(first) ? 1 : 2);
        }

        String queued = client().submit("{\"architecture\":\"baseline\",\"epochs\":1000,\"batchSize\":10,\"modelName\":\"other\"}");
        assertThat(client().job(queued).get("model").isNull()).as("a job that has not become a version").isTrue();
        client().send("POST", "/api/v1/training-jobs/" + queued + "/cancel", null);

        String prometheus = client().send("GET", "/actuator/prometheus", null).body();
        assertThat(prometheus).contains("cnn_training_jobs{")
                .doesNotContain("job=\"" + first + "\"").doesNotContain("job=\"" + second + "\"");

        byte[] png = TestImages.png(32, 32, 5);
        for (int version = 1; version <= 2; version++) {
            HttpResponse<String> classified = http.send(HttpRequest.newBuilder(URI.create(
                            "http://localhost:" + port + "/api/v1/models/linked/versions/" + version + "/classify"))
                    .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(classified.statusCode()).as(classified.body()).isEqualTo(200);
        }
        List<String> buckets = client().send("GET", "/actuator/prometheus", null).body().lines()
                .filter(line -> line.startsWith("cnn_inference_latency_seconds_bucket{")).toList();
        assertThat(buckets).as("18 fixed bounds and +Inf, once for the model").hasSize(19)
                .allSatisfy(line -> assertThat(line).contains("model=\"linked\"").doesNotContain("version="));
        assertThat(buckets).filteredOn(line -> line.contains("le=\"+Inf\"")).singleElement()
                .satisfies(line -> assertThat(line).as("both versions' requests").matches(".* 2(\\.0)?"));
    }

    /** A one-epoch job of model "linked"; its id once it has succeeded and been registered. */
    private String trained() throws Exception {
        String id = client().submit(JOB);
        await().atMost(Duration.ofMinutes(3)).until(() -> client().job(id).get("state").asString().equals("SUCCEEDED"));
        await().atMost(Duration.ofMinutes(1)).until(() -> !client().job(id).get("model").isNull());
        return id;
    }



}
