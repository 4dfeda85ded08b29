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

    private ServiceClient client;

    private ServiceClient client() {
        if (client == null) {
            client = new ServiceClient(port);
        }
        return client;
    }

    private final List<String> submitted = new ArrayList<>();

    @AfterEach
    void cancelEverything() throws Exception {
        for (String id : submitted) {
            client().send("POST", "/api/v1/training-jobs/" + id + "/cancel", null);
        }
    }

    @Test
    void aFullQueueAnswers429UntilAJobLeavesIt() throws Exception {
        String running = submit();
        await().atMost(Duration.ofMinutes(2)).until(() -> client().state(running).equals("RUNNING"));
        submit();
        String secondQueued = submit();

        HttpResponse<String> refused = client().send("POST", "/api/v1/training-jobs", LONG_JOB);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = client().read(refused);
        assertThat(problem.get("status").asInt()).isEqualTo(429);
        assertThat(problem.get("type").asString()).isEqualTo("urn:problem-type:cnn-lab:queue-full");
        assertThat(client().read(client().send("GET", "/api/v1/training-jobs", null)).get("total").asLong())
                .as("the refused submit stored nothing").isEqualTo(3);

        assertThat(client().send("POST", "/api/v1/training-jobs/" + secondQueued + "/cancel", null).statusCode()).isEqualTo(200);
        submit();
    }




    private String submit() throws Exception {
        String id = client().submit(LONG_JOB);
        submitted.add(id);
        return id;
    }
}
