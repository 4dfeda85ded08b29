package io.cnnlab;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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
 * A full training queue through the running service: one job trains, {@code max-queued} wait, the next submit is a
 * 429 problem with Retry-After and nothing is stored for it; once a queued job is cancelled, a submit is accepted.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TrainingQueueLimitTest {

    private static final String LONG_JOB = "{\"architecture\":\"baseline\",\"epochs\":1000,\"batchSize\":10}";

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 20, 21);
        registry.add("cnn.training.workers", () -> "1");
        registry.add("cnn.training.max-queued", () -> "2");
        registry.add("cnn.training.max-submissions-per-minute", () -> "1000");
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();
    private final List<String> submitted = new ArrayList<>();

    @AfterEach
    void cancelEverything() throws Exception {
        for (String id : submitted) {
            send("POST", "/api/v1/training-jobs/" + id + "/cancel", null);
        }
    }

    @Test
    void aFullQueueAnswers429UntilAJobLeavesIt() throws Exception {
        String running = submit();
        await().atMost(Duration.ofMinutes(2)).until(() -> state(running).equals("RUNNING"));
        submit();
        String secondQueued = submit();

        HttpResponse<String> refused = send("POST", "/api/v1/training-jobs", LONG_JOB);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = json.readTree(refused.body());
        assertThat(problem.get("status").asInt()).isEqualTo(429);
        assertThat(problem.get("type").asString()).isEqualTo("urn:problem-type:cnn-lab:queue-full");
        assertThat(json.readTree(send("GET", "/api/v1/training-jobs", null).body()).get("total").asLong())
                .as("the refused submit stored nothing").isEqualTo(3);

        assertThat(send("POST", "/api/v1/training-jobs/" + secondQueued + "/cancel", null).statusCode()).isEqualTo(200);
        submit();
    }

    private String submit() throws Exception {
        HttpResponse<String> response = send("POST", "/api/v1/training-jobs", LONG_JOB);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        String id = json.readTree(response.body()).get("id").asString();
        submitted.add(id);
        return id;
    }

    private String state(String id) throws Exception {
        return json.readTree(send("GET", "/api/v1/training-jobs/" + id, null).body()).get("state").asString();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
