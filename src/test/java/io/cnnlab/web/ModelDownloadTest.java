package io.cnnlab.web;

import io.cnnlab.Application;
import io.cnnlab.ServiceClient;
import io.cnnlab.ServiceFixture;
import io.cnnlab.TestImages;
import io.cnnlab.networks.ModelZips;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
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
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A trained version downloaded, checked byte for byte, and imported again, here and into a second installation with
 * a state directory of its own: the same images get the same probabilities, to the last bit.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ModelDownloadTest {

    @TempDir
    static Path home;

    @TempDir
    static Path otherHome;

    private static ConfigurableApplicationContext other;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 10, 7);
    }

    @AfterAll
    static void stopOther() {
        if (other != null) {
            other.close();
        }
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();
    private static JsonNode trained;

    /** Once for the class: one short job, registered as model "exported" v1. */
    @BeforeEach
    void trainOnce() throws Exception {
        if (trained != null) {
            return;
        }
        ServiceClient client = new ServiceClient(port);
        String id = client.submit("{\"architecture\":\"baseline\",\"epochs\":1,\"batchSize\":10,\"modelName\":\"exported\"}");
        await().atMost(Duration.ofMinutes(2)).until(() -> client.state(id).equals("SUCCEEDED"));
        trained = client.read(client.send("GET", "/api/v1/models/exported/versions/1", null));
    }

    @Test
    void aDownloadIsTheSameBytesEveryTimeWithItsSha256AsETagAndA304WhenUnchanged() throws Exception {
        HttpResponse<byte[]> first = get("/api/v1/models/exported/versions/1/file", Map.of());
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValue("application/zip");
        assertThat(first.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"exported-v1.zip\"");
        String etag = "\"" + sha256(first.body()) + "\"";
        assertThat(first.headers().firstValue("ETag")).hasValue(etag);
        assertThat(first.headers().firstValueAsLong("Content-Length")).hasValue(first.body().length);

        HttpResponse<byte[]> unchanged = get("/api/v1/models/exported/versions/1/file", Map.of("If-None-Match", etag));
        assertThat(unchanged.statusCode()).isEqualTo(304);
        assertThat(unchanged.body()).isEmpty();
        assertThat(unchanged.headers().firstValue("ETag")).hasValue(etag);
        assertThat(get("/api/v1/models/exported/versions/1/file", Map.of("If-None-Match", "\"other\", W/" + etag))
                .statusCode()).as("If-None-Match compares weakly, in a list").isEqualTo(304);
        assertThat(get("/api/v1/models/exported/versions/1/file", Map.of("If-None-Match", "\"other\"")).statusCode())
                .isEqualTo(200);

        assertThat(get("/api/v1/models/exported/versions/1/file", Map.of()).body()).isEqualTo(first.body());
        assertThat(get("/api/v1/models/exported/file", Map.of()).body()).as("the default version").isEqualTo(first.body());
        assertThat(send("PUT", "/api/v1/models/exported/aliases/staging", "application/json", "{\"version\":1}".getBytes())
                .statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/models/exported/aliases/staging/file", Map.of()).body()).isEqualTo(first.body());

        for (String missing : List.of("/api/v1/models/exported/versions/9/file", "/api/v1/models/nope/file",
                "/api/v1/models/exported/aliases/nope/file")) {
            HttpResponse<byte[]> response = get(missing, Map.of());
            assertThat(response.statusCode()).as(missing).isEqualTo(404);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        }
    }

    @Test
    void theZipIsMetadataThenTheStoredNetworkStoredUncompressedWithAFixedTime() throws Exception {
        byte[] zip = get("/api/v1/models/exported/versions/1/file", Map.of()).body();
        List<String> names = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                names.add(entry.getName());
                assertThat(entry.getMethod()).as(entry.getName()).isEqualTo(ZipEntry.STORED);
                assertThat(entry.getTimeLocal()).isEqualTo(LocalDateTime.of(1980, 2, 1, 0, 0));
                assertThat(entry.getExtra()).isNull();
            }
        }
        assertThat(names).containsExactly("metadata.json", "configuration.json", "coefficients.bin");

        Map<String, byte[]> stored = ModelZips.entries(Files.readAllBytes(home.resolve("storage/models/exported/v1.zip")));
        Map<String, byte[]> downloaded = ModelZips.entries(zip);
        assertThat(stored).containsKey("updaterState.bin");
        assertThat(downloaded.get("configuration.json")).isEqualTo(stored.get("configuration.json"));
        assertThat(downloaded.get("coefficients.bin")).isEqualTo(stored.get("coefficients.bin"));

        String expected = """
                {
                  "format" : "cnn-lab-model/1",
                  "name" : "exported",
                  "version" : 1,
                  "architecture" : "baseline",
                  "labels" : [
                    "airplane",
                    "automobile",
                    "bird",
                    "cat",
                    "deer",
                    "dog",
                    "frog",
                    "horse",
                    "ship",
                    "truck"
                  ],
                  "input" : {
                    "channels" : 3,
                    "side" : 32,
                    "crop" : 24
                  },
                  "preprocessing" : {
                    "decode" : {
                      "exifOrientation" : "applied",
                      "transparency" : "laid on white",
                      "resize" : "the whole image averaged down to 32x32, cell by cell (nothing cropped)",
                      "layout" : "channel planes R, G, B (NCHW), values 0-255"
                    },
                    "crop" : {
                      "position" : "centre",
                      "side" : 24
                    },
                    "standardisation" : {
                      "scope" : "per image, over all 1728 values",
                      "formula" : "(x - mean) / max(stddev, 1/sqrt(n))",
                      "sameAs" : "tf.image.per_image_standardization"
                    }
                  },
                  "lineage" : {
                    "source" : "TRAINED",
                    "jobId" : "%s",
                    "checkpointStep" : %d,
                    "testAccuracy" : %s,
                    "dataset" : "cifar10",
                    "initFrom" : null
                  }
                }
                """.formatted(trained.get("jobId").asString(), trained.get("checkpointStep").asLong(),
                trained.get("testAccuracy").toString());
        assertThat(new String(downloaded.get("metadata.json"), StandardCharsets.UTF_8)).isEqualTo(expected);
    }

    @Test
    void theDownloadImportsAsIsHereAndInAnotherInstallationAndClassifiesBitForBit() throws Exception {
        byte[] zip = get("/api/v1/models/exported/versions/1/file", Map.of()).body();
        String images = images();
        float[][] original = probabilities(port, "/api/v1/models/exported/versions/1/classify?topK=10", images);

        HttpResponse<byte[]> imported = importing(port, "moved", zip, null);
        assertThat(imported.statusCode()).as(new String(imported.body())).isEqualTo(201);
        JsonNode version = json.readTree(imported.body());
        assertThat(version.get("source").asString()).isEqualTo("IMPORTED");
        assertThat(version.get("architecture").asString()).as("from metadata.json").isEqualTo("baseline");
        assertThat(version.get("labels")).isEqualTo(trained.get("labels"));
        assertThat(version.get("uploadSha256").asString()).isEqualTo(sha256(zip));
        assertThat(probabilities(port, "/api/v1/models/moved/versions/1/classify?topK=10", images)).isDeepEqualTo(original);

        int otherPort = otherInstallation();
        assertThat(importing(otherPort, "arrived", zip, null).statusCode()).isEqualTo(201);
        assertThat(probabilities(otherPort, "/api/v1/models/arrived/versions/1/classify?topK=10", images)).isDeepEqualTo(original);
        assertThat(json.readTree(send(otherPort, "GET", "/api/v1/models/arrived/versions/1").body()).get("labels"))
                .isEqualTo(trained.get("labels"));
    }

    @Test
    void labelsGivenBesideMetadataMustBeTheSameAndAMetadataFileThatLiesIsRefused() throws Exception {
        byte[] zip = get("/api/v1/models/exported/versions/1/file", Map.of()).body();
        String labels = String.join(",", json.convertValue(trained.get("labels"), String[].class));

        assertThat(importing(port, "labelled", zip, labels).statusCode()).isEqualTo(201);
        assertRefused(importing(port, "labelled", zip, labels.replace("cat", "kitten")), "differ from the 10 in metadata.json");

        String metadata = new String(ModelZips.entries(zip).get("metadata.json"), StandardCharsets.UTF_8);
        assertRefused(importing(port, "labelled", withMetadata(zip, metadata.replace("\"truck\"", "\"truck\", \"bus\"")), null),
                "the network has 10 outputs but 11 labels were given (by metadata.json)");
        assertRefused(importing(port, "labelled", withMetadata(zip, metadata.replace("cnn-lab-model/1", "cnn-lab-model/2")), null),
                "metadata.json must have \"format\": \"cnn-lab-model/1\"");
        assertRefused(importing(port, "labelled", withMetadata(zip, metadata.replace("\"crop\" : 24", "\"crop\" : 28")), null),
                "describes the input");
        assertRefused(importing(port, "labelled", withMetadata(zip, metadata.replace("centre", "random")), null),
                "describes a preprocessing this service does not apply");
        assertRefused(importing(port, "labelled", withMetadata(zip, metadata.replace("\"labels\"", "\"lables\"")), null),
                "field 'lables'");
        assertRefused(importing(port, "labelled", withMetadata(zip, metadata.replace("\"bird\"", "\"bi\\nrd\"")), null),
                "without control characters");
        assertRefused(importing(port, "labelled", withMetadata(zip, "[".repeat(100)), null), "not JSON within the limits");
        assertRefused(importing(port, "labelled", withMetadata(zip, metadata + metadata), null), "not JSON within the limits");
        assertRefused(importing(port, "labelled", withMetadata(zip, " ".repeat((4 << 20) + 1)), null), "larger than");
        assertRefused(importing(port, "labelled", ModelZips.with(zip, "preprocessor.bin", new byte[10]), null), "preprocessor.bin");
        assertThat(json.readTree(send(port, "GET", "/api/v1/models/labelled").body()).get("versions")).hasSize(1);
    }

    private void assertRefused(HttpResponse<byte[]> response, String detail) throws Exception {
        String body = new String(response.body(), StandardCharsets.UTF_8);
        assertThat(response.statusCode()).as(body).isEqualTo(400);
        assertThat(json.readTree(body).get("type").asString()).isEqualTo("urn:problem-type:cnn-lab:invalid-model");
        assertThat(json.readTree(body).get("detail").asString()).contains(detail);
    }

    private static byte[] withMetadata(byte[] zip, String metadata) {
        return ModelZips.with(zip, "metadata.json", metadata.getBytes(StandardCharsets.UTF_8));
    }

    /** A second installation: its own state directory, database and storage; nothing shared with the first. */
    private int otherInstallation() {
        if (other == null) {
            other = new SpringApplicationBuilder(Application.class).run("--server.port=0", "--server.address=127.0.0.1",
                    "--cnn.home=" + otherHome, "--cnn.data-dir=" + home.resolve("data"), "--cnn.dataset.download=false",
                    "--cnn.training.workers=0", "--cnn.retention.enabled=false");
        }
        return ((WebServerApplicationContext) other).getWebServer().getPort();
    }

    private static String images() {
        List<String> encoded = new ArrayList<>();
        for (int seed = 0; seed < 4; seed++) {
            encoded.add("\"" + Base64.getEncoder().encodeToString(TestImages.png(40 + seed, 30, seed)) + "\"");
        }
        return "{\"images\":[" + String.join(",", encoded) + "]}";
    }

    private float[][] probabilities(int port, String path, String images) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(port, path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(images)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode predictions = json.readTree(response.body()).get("predictions");
        float[][] rows = new float[predictions.size()][10];
        for (int i = 0; i < rows.length; i++) {
            for (JsonNode p : predictions.get(i)) {
                rows[i][p.get("index").asInt()] = (float) p.get("probability").asDouble();
            }
        }
        return rows;
    }

    private HttpResponse<byte[]> importing(int port, String name, byte[] zip, String labels) throws Exception {
        String boundary = "----download-test";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (labels != null) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"labels\"\r\n\r\n" + labels
                    + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.zip\""
                + "\r\nContent-Type: application/zip\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(zip);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(uri(port, "/api/v1/models/" + name + "/versions"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> get(String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(60));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> send(String method, String path, String contentType, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(port, path)).header("Content-Type", contentType)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<String> send(int port, String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(port, path)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(int port, String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
