package io.cnnlab;

import io.cnnlab.jobs.JobStore;
import io.cnnlab.jobs.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances on one PostgreSQL database: this test's context is a worker ({@code cnn.instance-id=worker-1},
 * short leases), and a second one, started here with {@code cnn.training.workers=0}, serves the API only. A job
 * submitted to the API instance is trained by the worker; a cancel sent to the API instance, or written straight into
 * the store, stops the run within a few seconds (the worker's heartbeat reads it).
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ClusterOnPostgresTest {

    @TempDir
    static Path home;

    @TempDir
    static Path apiHome;

    private static String url;
    private static ConfigurableApplicationContext api;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 20, 11);
        url = PostgresServer.get().createDatabase();
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", PostgresServer::user);
        registry.add("cnn.instance-id", () -> "worker-1");
        registry.add("cnn.training.lease-duration", () -> "3s");
        registry.add("cnn.training.progress-write-interval", () -> "200ms");
    }

    @AfterAll
    static void stopApi() {
        if (api != null) {
            api.close();
        }
    }

    @LocalServerPort
    int port;

    /** The API-only instance, on the same database, with a state directory of its own. */
    private ServiceClient api() {
        if (api == null) {
            api = new SpringApplicationBuilder(Application.class).run(
                    "--server.port=0", "--server.address=127.0.0.1",
                    "--cnn.home=" + apiHome, "--cnn.data-dir=" + home.resolve("data"), "--cnn.dataset.download=false",
                    "--spring.datasource.url=" + url, "--spring.datasource.username=" + PostgresServer.user(),
                    "--cnn.instance-id=api-1", "--cnn.training.workers=0", "--cnn.retention.enabled=false");
        }
        return new ServiceClient(((WebServerApplicationContext) api).getWebServer().getPort());
    }

    private static final String LONG_JOB = "{\"architecture\":\"baseline\",\"epochs\":200,\"batchSize\":10}";

    @Test
    void anApiOnlyInstanceTakesJobsAWorkerRunsAndItsCancelStopsTheRun() throws Exception {
        ServiceClient apiClient = api();
        ServiceClient worker = new ServiceClient(port);
        assertThat(apiClient.status("/actuator/health")).isEqualTo(200);
        assertThat(apiClient.read(apiClient.send("GET", "/actuator/health", null)).get("status").asString())
                .isEqualTo("UP");

        String id = apiClient.submit(LONG_JOB);
        JsonNode running = await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                .until(() -> apiClient.job(id), job -> job.get("step").asLong() > 0);
        assertThat(running.get("state").asString()).isEqualTo("RUNNING");
        assertThat(running.get("worker").asString()).isEqualTo("worker-1");
        assertThat(running.get("attempts").asInt()).isEqualTo(1);

        HttpResponse<String> cancel = apiClient.send("POST", "/api/v1/training-jobs/" + id + "/cancel", null);
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
        assertThat(apiClient.read(cancel).get("state").asString()).isEqualTo("RUNNING"); // until its worker hears it
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> worker.state(id).equals("CANCELLED"));
        JsonNode cancelled = apiClient.job(id);
        assertThat(cancelled.get("error").asString()).isEqualTo("cancelled by request");
        assertThat(cancelled.get("worker").asString()).isEqualTo("worker-1");
        assertThat(cancelled.get("attempts").asInt()).isEqualTo(1);
    }

    @Test
    void aCancelWrittenIntoTheStoreReachesTheRunningWorker() throws Exception {
        ServiceClient worker = new ServiceClient(port);
        String id = worker.submit(LONG_JOB);
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                .until(() -> worker.job(id).get("step").asLong() > 0);

        // as another instance would: through its own store on its own connection pool
        JobStore elsewhere = TestDatabase.jobStore(PostgresServer.dataSource(url));
        assertThat(elsewhere.requestCancel(id)).isTrue();

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> elsewhere.find(id).orElseThrow().state().name().equals("CANCELLED"));
        long stoppedAt = elsewhere.find(id).orElseThrow().step();
        assertThat(worker.job(id).get("step").asLong()).isEqualTo(stoppedAt);
    }
}
