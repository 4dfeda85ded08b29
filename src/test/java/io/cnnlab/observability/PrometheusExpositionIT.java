package io.cnnlab.observability;

import io.cnnlab.ServiceFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real scrape after a real training job and a classification, checked by Prometheus's own {@code promtool
 * check metrics} (Debian's prometheus package; {@code .ci/run} installs it). Fails when promtool is missing: it
 * must parse, and the service's own meters must pass promtool's lint.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PrometheusExpositionIT {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 20, 5);
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theScrapeParsesWithPromtool() throws Exception {
        post("/api/v1/training-jobs", "application/json", "{\"architecture\":\"factorized\",\"epochs\":1,\"batchSize\":10}".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofMinutes(1)).until(() -> get("/api/v1/models").contains("factorized"));
        byte[] png = java.nio.file.Files.readAllBytes(writePng());
        assertThat(post("/api/v1/models/factorized/classify", "image/png", png)).contains("predictions");

        String scrape = get("/actuator/prometheus");
        assertThat(scrape).contains("cnn_training_jobs").contains("cnn_inference_latency_seconds_bucket");
        Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        promtool.getOutputStream().write(scrape.getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(promtool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        // exit 1 is a parse error; 3 means it parsed but has lint findings, which may only concern meters Spring
        // and Micrometer name (http_server_requests, jvm_..., tomcat_...), never the service's own cnn_ meters
        assertThat(promtool.exitValue()).as(output).isIn(0, 3);
        assertThat(output).doesNotContain("error");
        assertThat(output.lines().filter(line -> line.startsWith("cnn_"))).as(output).isEmpty();
    }

    private static Path writePng() throws Exception {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(32, 32, java.awt.image.BufferedImage.TYPE_INT_RGB);
        Path file = home.resolve("probe.png");
        javax.imageio.ImageIO.write(image, "png", file.toFile());
        return file;
    }

    private String get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private String post(String path, String contentType, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
