package io.cnnlab.faults;

import io.cnnlab.ChildService;
import io.cnnlab.ChildServices;
import io.cnnlab.TestImages;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.networks.ModelZips;
import io.cnnlab.training.Networks;
import io.cnnlab.training.TrainingPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hostile requests of the second security round against the service in a child JVM run as the container runs it
 * (a small heap, {@code -XX:+ExitOnOutOfMemoryError}): one request that allocated what it declares would end the
 * process. Each form gets its 4xx; after each the process is alive and answers a classification exactly as before;
 * at the end every job and model version is still there, unchanged. (Live-event streams beyond a job's cap are the
 * one refusal that is not a 4xx: a 503 with Retry-After, the stream slots being a server resource.)
 */
class HostileRequestsFaultIT {

    @RegisterExtension
    final ChildServices children = new ChildServices();

    private ChildService service;
    private String baseline;

    @Test
    void noRequestTakesTheProcessDownOrLosesAnything() throws Exception {
        service = children.create(20, 41, List.of("-Xmx384m", "-XX:+ExitOnOutOfMemoryError"), List.of(
                "--cnn.events.max-per-job=4", "--cnn.events.max-per-caller=64")).start();
        String trained = service.submit("{\"architecture\":\"baseline\",\"epochs\":1,\"batchSize\":10,\"modelName\":\"m\"}");
        await().atMost(Duration.ofMinutes(3)).until(() -> service.state(trained).equals("SUCCEEDED"));
        await().atMost(Duration.ofMinutes(1)).until(() -> service.send(service.request("/api/v1/models/m").build()).statusCode() == 200);
        String running = service.submit("{\"architecture\":\"baseline\",\"epochs\":1000,\"batchSize\":10,\"modelName\":\"long\"}");
        baseline = classification();
        String modelsBefore = service.get("/api/v1/models/m");

        Map<String, Integer> statuses = new LinkedHashMap<>();
        statuses.put("V2 UINT8 [100000,32,32,3]", v2("UINT8", "[100000,32,32,3]", "[0]"));
        statuses.put("V2 FP32 [100000,24,24,3]", v2("FP32", "[100000,24,24,3]", "[0.5]"));
        statuses.put("V2 BYTES [2000000000]", v2("BYTES", "[2000000000]", "[\"AA==\"]"));
        statuses.put("raw image declaring 10 GB", declared("/api/v1/models/m/classify", "image/png", 10L << 30));
        statuses.put("multipart classify declaring 10 GB", declared("/api/v1/models/m/classify",
                "multipart/form-data; boundary=b", 10L << 30));
        statuses.put("PNG claiming 60000x60000 pixels", post("/api/v1/models/m/classify", "image/png", hugePng()));
        statuses.put("JSON nested 100000 deep", post("/api/v1/training-jobs", "application/json",
                ("[".repeat(100_000) + "]".repeat(100_000)).getBytes(StandardCharsets.US_ASCII)));
        statuses.put("model zip with preprocessor.bin", importModel("evil", withSerializedEntry(), Map.of()));
        statuses.put("cross-site form post of a model", importModel("cross", ModelZips.write(tinyNetwork()),
                Map.of("Origin", "https://attacker.example", "Sec-Fetch-Site", "cross-site")));
        statuses.put("event subscriptions beyond the cap", subscriptionsBeyondCap(running));

        System.out.println("hostile requests: " + statuses);
        int streams = statuses.remove("event subscriptions beyond the cap");
        assertThat(streams).as("a job's streams beyond its cap: busy, retry later").isEqualTo(503);
        assertThat(statuses).allSatisfy((form, status) -> assertThat(status).as(form).isBetween(400, 499));
        assertThat(statuses.get("V2 UINT8 [100000,32,32,3]")).isEqualTo(400);
        assertThat(statuses.get("raw image declaring 10 GB")).isEqualTo(413);
        assertThat(statuses.get("multipart classify declaring 10 GB")).isEqualTo(413);
        assertThat(statuses.get("cross-site form post of a model")).isEqualTo(403);

        assertThat(service.alive()).isTrue();
        assertThat(service.get("/api/v1/models/m")).as("the model, its versions and aliases").isEqualTo(modelsBefore);
        assertThat(service.send(service.request("/api/v1/models/evil").build()).statusCode()).isEqualTo(404);
        assertThat(service.send(service.request("/api/v1/models/cross").build()).statusCode()).isEqualTo(404);
        assertThat(service.getJson("/api/v1/training-jobs").get("total").asLong()).isEqualTo(2);
        assertThat(service.state(trained)).isEqualTo("SUCCEEDED");
        assertThat(service.state(running)).isEqualTo("RUNNING");
        assertThat(service.getJson("/actuator/health/readiness").get("status").asString()).isEqualTo("UP");
        service.postJson("/api/v1/training-jobs/" + running + "/cancel", "");
    }

    /** A classification of a fixed image: the same answer before and after every hostile request. */
    private String classification() throws Exception {
        HttpResponse<String> response = service.send(service.request("/api/v1/models/m/classify?topK=10")
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(TestImages.png(32, 32, 7))).build());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private int afterwardsAlive(int status) throws Exception {
        assertThat(service.alive()).as("the process after a request answered %d", status).isTrue();
        assertThat(classification()).isEqualTo(baseline);
        return status;
    }

    private int v2(String datatype, String shape, String data) throws Exception {
        String body = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"" + datatype + "\",\"shape\":" + shape
                + ",\"data\":" + data + "}]}";
        return post("/v2/models/m/infer", "application/json", body.getBytes(StandardCharsets.US_ASCII));
    }

    private int post(String path, String contentType, byte[] body) throws Exception {
        HttpResponse<String> response = service.send(service.request(path).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        assertProblem(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""));
        return afterwardsAlive(response.statusCode());
    }

    /** Headers that declare a huge body, a few bytes of it, then the answer the service gives before reading more. */
    private int declared(String path, String contentType, long length) throws Exception {
        int status;
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), service.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + contentType
                    + "\r\nContent-Length: " + length + "\r\nConnection: close\r\n\r\n--b\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String statusLine = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            status = Integer.parseInt(statusLine.substring(9, 12));
        }
        return afterwardsAlive(status);
    }

    private int importModel(String name, byte[] zip, Map<String, String> headers) throws Exception {
        String boundary = "hostile-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"model.zip\"\r\n"
                + "Content-Type: application/zip\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(zip);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        HttpRequest.Builder request = service.request("/api/v1/models/" + name + "/versions")
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        headers.forEach(request::header);
        HttpResponse<String> response = service.send(request.build());
        assertProblem(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""));
        return afterwardsAlive(response.statusCode());
    }

    /** Subscribes until refused; the refusal's status. The streams are dropped afterwards. */
    private int subscriptionsBeyondCap(String job) throws Exception {
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < 20 && refused == 0; i++) {
            HttpResponse<InputStream> response = service.http().send(service.request("/api/v1/training-jobs/" + job + "/events")
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                refused = response.statusCode();
                response.body().close();
            } else {
                open.add(response);
            }
        }
        assertThat(open).as("subscriptions accepted before the cap").hasSize(4);
        for (HttpResponse<InputStream> stream : open) {
            stream.body().close();
        }
        return afterwardsAlive(refused);
    }

    private static void assertProblem(int status, String contentType) {
        if (status >= 400) {
            assertThat(contentType).as("a refusal is a problem detail").startsWith("application/problem+json");
        }
    }

    private static org.deeplearning4j.nn.graph.ComputationGraph tinyNetwork() {
        return Networks.create(Architectures.seed().get("baseline"),
                TrainingPlan.seedDefaults(Architectures.seed().get("baseline")));
    }

    /** A real model zip that also carries a serialized object where DL4J would read one with ObjectInputStream. */
    private static byte[] withSerializedEntry() throws Exception {
        ByteArrayOutputStream serialized = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(serialized)) {
            out.writeObject(new HashSet<>(List.of("a", "b")));
        }
        return ModelZips.with(ModelZips.write(tinyNetwork()), "preprocessor.bin", serialized.toByteArray());
    }

    /** An 8x8 PNG whose header claims 60,000 x 60,000 pixels, with a correct CRC. */
    private static byte[] hugePng() {
        byte[] png = TestImages.png(8, 8, 3);
        ByteBuffer.wrap(png).putInt(16, 60_000).putInt(20, 60_000);
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17);
        ByteBuffer.wrap(png).putInt(29, (int) crc.getValue());
        return png;
    }
}
