package io.cnnlab.web;

import io.cnnlab.ServiceFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** No single request may exhaust memory, disk or the queue: each limit answers a problem detail, never a 500. */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RequestLimitsTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 10, 4);
        registry.add("cnn.training.max-submissions-per-minute", () -> "3");
        registry.add("cnn.limits.json.max-bytes", () -> "100KB");
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertProblem(HttpResponse<String> response, int status, String detail) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(response.body()).contains(detail);
    }

    @Test
    void deeplyNestedJsonIsRefusedBeforeItIsBound() throws Exception {
        String nested = "[".repeat(200) + "]".repeat(200);
        assertProblem(post("/api/v1/training-jobs", "application/json",
                ("{\"architecture\":\"baseline\",\"extra\":" + nested + "}").getBytes(StandardCharsets.UTF_8)),
                400, "nesting depth");
    }

    @Test
    void aJsonBodyBeyondTheDocumentLimitIs413EvenWithoutAContentLength() throws Exception {
        String huge = "{\"images\":[\"" + "A".repeat(300_000) + "\"]}";
        assertProblem(post("/api/v1/models/m/classify", "application/json", huge.getBytes(StandardCharsets.UTF_8)),
                413, "request body exceeds a limit");
        // streamed in chunks, length unknown up front: the parser stops at the limit all the same
        HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/models/m/classify"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge.getBytes(StandardCharsets.UTF_8))))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertProblem(chunked, 413, "request body exceeds a limit");
    }

    @Test
    void tooManyMultipartPartsIs413() throws Exception {
        String boundary = "limits-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < 200; i++) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + i
                    + ".png\"\r\nContent-Type: image/png\r\n\r\nx\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        HttpResponse<String> response = post("/api/v1/models/m/classify", "multipart/form-data; boundary=" + boundary, body.toByteArray());
        assertProblem(response, 413, "the multipart request exceeds a limit");
        assertThat(response.body()).contains("urn:problem-type:cnn-lab:body-too-large");
    }

    @Test
    void absurdHyperParametersAreRefused() throws Exception {
        for (String field : List.of("\"batchSize\":1000000", "\"epochs\":100000", "\"maxSteps\":100000000000",
                "\"learningRate\":1e308", "\"seed\":1" + "0".repeat(200))) {
            HttpResponse<String> response = post("/api/v1/training-jobs", "application/json",
                    ("{\"architecture\":\"baseline\"," + field + "}").getBytes(StandardCharsets.UTF_8));
            assertThat(response.statusCode()).as(field + " -> " + response.body()).isEqualTo(400);
        }
    }

    @Test
    void submissionsBeyondTheRateAre429WithRetryAfter() throws Exception {
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> last = null;
        for (int i = 0; i < 5; i++) {
            last = post("/api/v1/training-jobs", "application/json",
                    "{\"architecture\":\"baseline\",\"epochs\":1,\"maxSteps\":1,\"batchSize\":2}".getBytes(StandardCharsets.UTF_8));
            statuses.add(last.statusCode());
        }
        assertThat(statuses).containsExactly(202, 202, 202, 429, 429);
        assertProblem(last, 429, "cnn.training.max-submissions-per-minute");
        assertThat(last.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 20));
    }
}
