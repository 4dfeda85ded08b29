package io.cnnlab.security;

import io.cnnlab.ServiceFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keys configured, listening on loopback (as behind a reverse proxy or a sidecar): keys are required without being
 * switched on, wherever the service listens. Real HTTP through the real filter chain and the one problem-detail mapping.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class ApiKeySecurityTest {

    static final String TRAINER = "trainer-key-0123456789";
    static final String CLIENT = "client-key-0123456789";
    static final String METRICS = "metrics-key-0123456789";
    static final String JOB = "{\"architecture\":\"baseline\",\"epochs\":1,\"maxSteps\":1,\"batchSize\":4}";

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 10, 3);
        key(registry, 0, "ci-trainer", TRAINER, "trainer");
        key(registry, 1, "web-client", CLIENT, "client");
        key(registry, 2, "prometheus", METRICS, "metrics");
    }

    private static void key(DynamicPropertyRegistry registry, int i, String name, String value, String roles) {
        registry.add("cnn.security.keys[" + i + "].name", () -> name);
        registry.add("cnn.security.keys[" + i + "].sha256", () -> HexFormat.of().formatHex(ApiKeys.sha256(value)));
        registry.add("cnn.security.keys[" + i + "].roles", () -> roles);
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withoutAKeyTheApiIs401WithAChallengeAndAProblem() throws Exception {
        HttpResponse<String> response = send("GET", "/api/v1/training-jobs", null, null);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"cnn-lab\"");
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(response.body()).contains("urn:problem-type:cnn-lab:unauthenticated").contains("X-API-Key");
        assertThat(send("POST", "/api/v1/training-jobs", null, JOB).statusCode()).isEqualTo(401);
        assertThat(send("POST", "/v2/models/any/infer", null, "{}").statusCode()).isEqualTo(401);
    }

    @Test
    void aWrongKeyIs401EvenWhereNoKeyIsNeeded() throws Exception {
        HttpResponse<String> response = send("GET", "/api/v1/training-jobs", "not-" + CLIENT, null);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("the API key is not valid");
        assertThat(send("GET", "/actuator/health", "typo", null).statusCode()).isEqualTo(401);
    }

    @Test
    void keysAreRequiredOnLoopbackToo() throws Exception {
        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/training-jobs"))
                .header("X-API-Key", "not-" + CLIENT).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
        HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/training-jobs"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("Content-Security-Policy"))
                .contains("default-src 'self'; img-src 'self' blob: data:; object-src 'none'; frame-ancestors 'none'");
        assertThat(wrong.headers().firstValue("Referrer-Policy")).contains("no-referrer");
    }

    @Test
    void aClientReadsAndClassifiesButCannotChangeJobsOrModels() throws Exception {
        assertThat(send("GET", "/api/v1/training-jobs", CLIENT, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/api/v1/models", CLIENT, null).statusCode()).isEqualTo(200);
        // past security: the model does not exist
        assertThat(send("POST", "/api/v1/models/nope/classify", CLIENT, "{\"images\":[]}").statusCode()).isEqualTo(404);
        assertThat(send("POST", "/v2/models/nope/infer", CLIENT, "{}").statusCode()).isEqualTo(404);

        HttpResponse<String> submit = send("POST", "/api/v1/training-jobs", CLIENT, JOB);
        assertThat(submit.statusCode()).isEqualTo(403);
        assertThat(submit.body()).contains("urn:problem-type:cnn-lab:forbidden");
        assertThat(send("PUT", "/api/v1/models/m/aliases/production", CLIENT, "{\"version\":1}").statusCode()).isEqualTo(403);
        assertThat(send("DELETE", "/api/v1/models/m/versions/1", CLIENT, null).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/v1/models/m/versions/1/evaluation", CLIENT, null).statusCode()).isEqualTo(403);
        for (String download : List.of("/api/v1/models/m/versions/1/file", "/api/v1/models/m/file", "/api/v1/models/m/aliases/production/file")) {
            assertThat(send("GET", download, CLIENT, null).statusCode()).as(download).isEqualTo(403);
        }
        assertThat(send("GET", "/actuator/prometheus", CLIENT, null).statusCode()).isEqualTo(403);
        assertThat(send("GET", "/api/v1/datasets", CLIENT, null).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/api/v1/datasets", CLIENT, "{\"path\":\"/tmp\"}").body()).contains("urn:problem-type:cnn-lab:forbidden");
        assertThat(send("DELETE", "/api/v1/datasets/cifar10", CLIENT, null).statusCode()).isEqualTo(403);
    }

    @Test
    void aTrainerSubmitsWithABearerTokenAndMayAlsoRead() throws Exception {
        HttpResponse<String> submit = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/training-jobs"))
                .header("Authorization", "Bearer " + TRAINER).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JOB)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(submit.statusCode()).isEqualTo(202);
        assertThat(send("GET", "/api/v1/training-jobs", TRAINER, null).statusCode()).isEqualTo(200);
        assertThat(send("PUT", "/api/v1/models/none/aliases/production", TRAINER, "{\"version\":1}").statusCode()).isEqualTo(404);
        assertThat(send("POST", "/api/v1/models/none/versions/1/evaluation", TRAINER, null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/api/v1/models/none/versions/1/file", TRAINER, null).statusCode()).isEqualTo(404);
        // past security: the built-in data set is not deletable
        assertThat(send("DELETE", "/api/v1/datasets/cifar10", TRAINER, null).statusCode()).isEqualTo(409);
    }

    @Test
    void healthDashboardAndApiDescriptionAreOpenMetricsNeedTheirKey() throws Exception {
        HttpResponse<String> probe = send("GET", "/actuator/health/readiness", null, null);
        assertThat(probe.statusCode()).isEqualTo(200);
        assertThat(probe.body()).isEqualTo("{\"status\":\"UP\"}"); // no paths, disk or database details for strangers
        assertThat(send("GET", "/actuator/health/readiness", METRICS, null).body()).contains("stateDirectory").contains("details");
        assertThat(send("GET", "/v2/health/live", null, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/", null, null).body()).contains("<title>cnn-lab</title>");
        assertThat(send("GET", "/app.js", null, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/v3/api-docs", null, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/actuator/prometheus", null, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/actuator/info", TRAINER, null).statusCode()).isEqualTo(403);
        HttpResponse<String> scrape = send("GET", "/actuator/prometheus", METRICS, null);
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).contains("cnn_training_jobs");
    }

    @Test
    void noKeyEverReachesTheLog(CapturedOutput output) throws Exception {
        send("GET", "/api/v1/training-jobs", "wrong-" + TRAINER, null);
        send("POST", "/api/v1/training-jobs", CLIENT, JOB);
        send("POST", "/api/v1/training-jobs", TRAINER, "{not json");

        assertThat(output.getAll()).doesNotContain(TRAINER).doesNotContain(CLIENT).doesNotContain(METRICS);
        assertThat(output.getAll()).contains("key web-client lacks the role");
    }

    /** A new operation without a rule in SecurityConfiguration is denied to everyone: the trainer key must reach each. */
    @Test
    void theTrainerKeyReachesEveryDocumentedOperation() throws Exception {
        var paths = new tools.jackson.databind.ObjectMapper().readTree(send("GET", "/v3/api-docs", null, null).body()).get("paths");
        List<String> denied = new java.util.ArrayList<>();
        int operations = 0;
        for (var path : paths.properties()) {
            for (var method : path.getValue().properties()) {
                String verb = method.getKey().toUpperCase(java.util.Locale.ROOT);
                if (!List.of("GET", "POST", "PUT", "DELETE").contains(verb)) {
                    continue;
                }
                operations++;
                // placeholders that name nothing: the answer is a 4xx of the operation itself, past security
                String concrete = path.getKey().replaceAll("\\{[^}]+}", "x");
                HttpResponse<String> response = send(verb, concrete, TRAINER,
                        verb.equals("POST") || verb.equals("PUT") ? "{}" : null);
                if (response.statusCode() == 401 || response.body().contains("urn:problem-type:cnn-lab:forbidden")) {
                    denied.add(verb + " " + path.getKey() + " -> " + response.statusCode());
                }
            }
        }
        assertThat(operations).isGreaterThan(40);
        assertThat(denied).isEmpty();
    }
}
