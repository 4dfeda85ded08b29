package io.cnnlab.jobs;

import io.cnnlab.PostgresServer;
import io.cnnlab.ServiceFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The whole service with PostgreSQL as its store: migrated at start-up, a job trained and registered through it. */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TrainingOnPostgresTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 20, 11);
        String url = PostgresServer.get().createDatabase();
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", PostgresServer::user);
    }

    @LocalServerPort
    int port;

    @Autowired
    JsonMapper json;

    @Autowired
    JdbcClient jdbc;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aJobSubmittedOverHttpTrainsAndBecomesVersion1OfItsModel() throws Exception {
        assertThat(jdbc.sql("select version()").query(String.class).single()).startsWith("PostgreSQL");

        HttpResponse<String> submitted = http.send(HttpRequest.newBuilder(uri("/api/v1/training-jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"architecture\":\"baseline\",\"epochs\":1,\"batchSize\":10}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        String id = json.readTree(submitted.body()).get("id").asString();

        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() -> {
            String state = get("/api/v1/training-jobs/" + id).get("state").asString();
            assertThat(state).isNotIn("FAILED", "CANCELLED");
            return state.equals("SUCCEEDED");
        });
        JsonNode job = get("/api/v1/training-jobs/" + id);
        assertThat(job.get("attempts").asInt()).isEqualTo(1);
        assertThat(job.get("latestMetrics").get("epoch").asInt()).isEqualTo(1);

        // the version is registered before the job shows SUCCEEDED (ModelRegistration listens for JobSucceeding)
        String models = "/api/v1/models/" + job.get("modelName").asString();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> status(models) == 200);
        JsonNode model = get(models);
        assertThat(model.get("defaultVersion").asInt()).isEqualTo(1);
        assertThat(model.get("versions")).hasSize(1);
        assertThat(model.get("versions").get(0).get("version").asInt()).isEqualTo(1);
        assertThat(model.get("versions").get(0).get("jobId").asString()).isEqualTo(id);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private int status(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }
}
