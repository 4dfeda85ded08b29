package io.cnnlab.web;

import io.cnnlab.ServiceFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every size a classify or infer request declares is checked before anything is allocated for it: each oversized
 * form is a fast 4xx, the heap does not grow with the declared size, and the same service answers a normal request
 * right after. A full serving queue is a real 503 (a one-request queue, many concurrent clients, no mocks).
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ServingLimitsTest {

    private static final long MB = 1 << 20;

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 10, 4);
        registry.add("cnn.inference.max-queue", () -> "1");
        registry.add("cnn.inference.max-batch-size", () -> "1");
        registry.add("cnn.inference.decode-threads", () -> "16");
        registry.add("cnn.inference.decode-wait", () -> "30s");
        registry.add("cnn.inference.max-request-bytes", () -> "1MB");
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    private static boolean trained;

    @BeforeEach
    void oneModel() throws Exception {
        if (trained) {
            return;
        }
        HttpResponse<String> submitted = send(post("/api/v1/training-jobs", "application/json",
                "{\"architecture\":\"baseline\",\"epochs\":1,\"maxSteps\":1,\"batchSize\":2,\"modelName\":\"m\"}"));
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        await().atMost(Duration.ofMinutes(2)).until(() -> get("/api/v1/models/m").statusCode() == 200);
        trained = true;
    }

    @Test
    void eachOversizedFormIsAFast4xxAndTheServiceAnswersNextRequest() throws Exception {
        long heapBefore = usedHeapAfterGc();
        long start = System.nanoTime();

        // the 84-byte request that made the service allocate 2.46 GB for the declared shape
        assertProblem(send(post("/v2/models/m/infer", "application/json",
                "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"UINT8\",\"shape\":[100000,32,32,3],\"data\":[0]}]}")), 400, "at most 64");
        assertProblem(send(post("/v2/models/m/infer", "application/json",
                "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[100000,24,24,3],\"data\":[0]}]}")), 400, "at most 64");
        assertProblem(send(post("/v2/models/m/infer", "application/json",
                "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"UINT8\",\"shape\":[1,32000,32000,3],\"data\":[0]}]}")), 400, "[1, 32, 32, 3]");
        assertProblem(send(post("/v2/models/m/infer", "application/json",
                "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[64,24,24,3],\"data\":[0]}]}")), 400, "has 1 values");
        String manyStrings = String.join(",", Collections.nCopies(100_000, "\"\""));
        assertProblem(send(post("/v2/models/m/infer", "application/json",
                "{\"inputs\":[{\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[100000],\"data\":[" + manyStrings + "]}]}")), 400, "100000 images");
        assertProblem(send(post("/v2/models/m/infer", "application/json",
                "{\"inputs\":[{\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[2000000000],\"data\":[\"\"]}]}")), 400, "N base64 strings");

        // a multipart classify declaring 10 GB, and a raw image declaring 10 GB: refused from the header
        assertThat(rawExchange("multipart/form-data; boundary=x", 10_000L * MB, "--x\r\n")).startsWith("HTTP/1.1 413").contains("cnn.inference.max-request-bytes");
        assertThat(rawExchange("image/png", 10_000L * MB, "\u0089PNG")).startsWith("HTTP/1.1 413").contains("cnn.inference.max-upload-bytes");
        // a multipart classify that hides its length (chunked)
        HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(uri("/api/v1/models/m/classify"))
                .header("Content-Type", "multipart/form-data; boundary=x")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream("--x--\r\n".getBytes(StandardCharsets.US_ASCII))))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertProblem(chunked, 411, "Content-Length");
        // a multipart classify just over its own limit, far under the import's
        String boundary = "b";
        String part = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n" + "x".repeat((int) (2 * MB)) + "\r\n--" + boundary + "--\r\n";
        assertProblem(send(post("/api/v1/models/m/classify", "multipart/form-data; boundary=" + boundary, part)), 413,
                "cnn.inference.max-request-bytes");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("refused from the declared sizes, not after work")
                .isLessThan(Duration.ofSeconds(30));
        assertThat(usedHeapAfterGc() - heapBefore).as("heap growth in bytes").isLessThan(200 * MB);

        String zeros = String.join(",", Collections.nCopies(32 * 32 * 3, "0"));
        HttpResponse<String> normal = send(post("/v2/models/m/infer", "application/json",
                "{\"inputs\":[{\"name\":\"pixels\",\"datatype\":\"UINT8\",\"shape\":[1,32,32,3],\"data\":[" + zeros + "]}]}"));
        assertThat(normal.statusCode()).as(normal.body()).isEqualTo(200);
    }

    @Test
    void aFullServingQueueAnswers503WithRetryAfter() throws Exception {
        String tensor = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[64,24,24,3],\"data\":["
                + String.join(",", Collections.nCopies(64 * 24 * 24 * 3, "0.5")) + "]}]}";
        List<HttpResponse<String>> answers = Collections.synchronizedList(new ArrayList<>());
        // sixteen clients at once against a queue of one request: some find it full
        await().atMost(Duration.ofMinutes(2)).until(() -> {
            List<CompletableFuture<Void>> round = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                round.add(http.sendAsync(post("/v2/models/m/infer", "application/json", tensor), HttpResponse.BodyHandlers.ofString())
                        .thenAccept(answers::add));
            }
            CompletableFuture.allOf(round.toArray(CompletableFuture[]::new)).join();
            return answers.stream().anyMatch(r -> r.statusCode() == 503);
        });

        assertThat(answers).extracting(HttpResponse::statusCode).containsOnly(200, 503).contains(200);
        HttpResponse<String> busy = answers.stream().filter(r -> r.statusCode() == 503).findFirst().orElseThrow();
        assertProblem(busy, 503, "requests queued");
        assertThat(busy.body()).contains("urn:problem-type:cnn-lab:overloaded").contains("\"error\"");
        assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** A request whose headers declare {@code length} bytes but which sends only {@code start}; the status line and body. */
    private String rawExchange(String contentType, long length, String start) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/models/m/classify HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + contentType
                    + "\r\nContent-Length: " + length + "\r\n\r\n" + start).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // the answer comes while the server still expects the body: read it, not up to end of stream
            InputStream in = socket.getInputStream();
            StringBuilder answer = new StringBuilder();
            byte[] buffer = new byte[4096];
            int read;
            try {
                while (!complete(answer) && (read = in.read(buffer)) > 0) {
                    answer.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
                }
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("no complete answer within 10 s; so far: " + answer, e);
            }
            return answer.toString();
        }
    }

    private static boolean complete(StringBuilder answer) {
        int headersEnd = answer.indexOf("\r\n\r\n");
        if (headersEnd < 0) {
            return false;
        }
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(answer.substring(0, headersEnd));
        // with Connection: close and no length the body ends where the problem's JSON does (the server keeps the
        // connection only to swallow the declared body, which never comes)
        return length.find() ? answer.length() - headersEnd - 4 >= Integer.parseInt(length.group(1))
                : answer.toString().endsWith("\r\n0\r\n\r\n") || answer.toString().stripTrailing().endsWith("}");
    }

    private static void assertProblem(HttpResponse<String> response, int status, String detail) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(response.body()).contains(detail);
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private HttpRequest post(String path, String contentType, String body) {
        return HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).build());
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
