package io.cnnlab;

import io.cnnlab.datasets.Cifar10;
import io.cnnlab.datasets.CifarFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Train a tiny model through the API, find it registered, classify real encoded images three ways, refuse junk. Only
 * one version is kept in memory, so switching versions loads one; the alias tests work on copies of the trained model
 * under names of their own, so no test depends on another's aliases (or on JUnit's method order).
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ClassificationEndToEndTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 40, 11);
        registry.add("cnn.inference.max-upload-bytes", () -> "200KB");
        registry.add("cnn.inference.max-model-uncompressed-bytes", () -> "20MB");
        registry.add("cnn.inference.max-loaded-models", () -> "1");
    }

    @LocalServerPort
    int port;

    @Autowired
    JsonMapper json;

    private final HttpClient http = HttpClient.newHttpClient();

    private static final double CLEARLY_BETTER_THAN_CHANCE = 0.3;

    private static boolean trained;

    /** Once for the class (the context is shared): two jobs, two versions of the model "gratings". */
    @BeforeEach
    void trainTwoVersions() throws Exception {
        if (trained) {
            return;
        }
        trained = true;
        for (int i = 0; i < 2; i++) {
            String id = json.readTree(send(post("/api/v1/training-jobs", "application/json",
                    "{\"architecture\":\"baseline\",\"epochs\":2,\"batchSize\":20,\"learningRate\":0.002,\"modelName\":\"gratings\"}"
                            .getBytes(StandardCharsets.UTF_8))).body()).get("id").asString();
            await().atMost(Duration.ofMinutes(2)).until(() ->
                    json.readTree(get("/api/v1/training-jobs/" + id).body()).get("state").asString().equals("SUCCEEDED"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> json.readTree(get("/api/v1/models/gratings").body()).has("versions")
                && json.readTree(get("/api/v1/models/gratings").body()).get("versions").size() == 2);
        // before any classification: the newest version was loaded when it was registered (off the request path)
        assertThat(get("/actuator/prometheus").body()).containsPattern("cnn_inference_models_loaded [1-9]");
    }

    @Test
    void aSucceededJobIsAModelVersionWithItsBestCheckpoint() throws Exception {
        JsonNode model = json.readTree(get("/api/v1/models/gratings").body());

        assertThat(model.get("defaultVersion").asInt()).isEqualTo(2);
        JsonNode v1 = json.readTree(get("/api/v1/models/gratings/versions/1").body());
        assertThat(v1.get("architecture").asString()).isEqualTo("baseline");
        assertThat(v1.get("source").asString()).isEqualTo("TRAINED");
        assertThat(v1.get("parameterCount").asLong()).isEqualTo(123_338);
        assertThat(v1.get("labels")).hasSize(10);
        // ten classes of generated gratings: chance is 0.1, the trained model must do clearly better
        assertThat(v1.get("testAccuracy").asDouble()).isGreaterThanOrEqualTo(CLEARLY_BETTER_THAN_CHANCE);
        assertThat(json.readTree(get("/api/v1/models/gratings/versions/2").body()).get("testAccuracy").asDouble())
                .isGreaterThanOrEqualTo(CLEARLY_BETTER_THAN_CHANCE);
        assertThat(v1.get("sha256").asString()).hasSize(64);
    }

    @Test
    void classifiesPngAndJpegAsMultipartRawAndBase64() throws Exception {
        byte[] png = encode(3, "png");
        byte[] jpeg = encode(7, "jpg");

        JsonNode multipart = json.readTree(send(multipart("/api/v1/models/gratings/classify?topK=3", png, jpeg)).body());
        assertThat(multipart.get("modelName").asString()).isEqualTo("gratings");
        assertThat(multipart.get("predictions")).hasSize(2);
        for (JsonNode image : multipart.get("predictions")) {
            assertThat(image).hasSize(3);
            assertThat(image.get(0).get("probability").asDouble()).isGreaterThanOrEqualTo(image.get(1).get("probability").asDouble());
            assertThat(Cifar10.CLASSES).contains(image.get(0).get("label").asString());
        }
        JsonNode all = json.readTree(send(post("/api/v1/models/gratings/versions/1/classify?topK=10", "image/png", png)).body());
        double sum = 0;
        for (JsonNode p : all.get("predictions").get(0)) {
            sum += p.get("probability").asDouble();
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-4));
        assertThat(all.get("version").asInt()).isEqualTo(1);

        String body = "{\"images\":[\"" + Base64.getEncoder().encodeToString(jpeg) + "\"]}";
        JsonNode base64 = json.readTree(send(post("/api/v1/models/gratings/classify", "application/json",
                body.getBytes(StandardCharsets.UTF_8))).body());
        assertThat(base64.get("predictions").get(0)).hasSize(5);
        // the same image the same way gives the same answer, whichever transport
        JsonNode raw = json.readTree(send(post("/api/v1/models/gratings/classify", "image/jpeg", jpeg)).body());
        assertThat(raw.get("predictions").get(0).get(0).get("label").asString())
                .isEqualTo(base64.get("predictions").get(0).get(0).get("label").asString());
    }

    @Test
    void flipAveragingIsTheMeanOfAnImageAndItsMirrorImage() throws Exception {
        byte[] picture = encode(4, "png");
        byte[] mirror = encode(4, "png", true);

        float[] plain = probabilities(send(post("/api/v1/models/gratings/versions/2/classify?topK=10", "image/png", picture)));
        float[] mirrored = probabilities(send(post("/api/v1/models/gratings/versions/2/classify?topK=10", "image/png", mirror)));
        float[] averaged = probabilities(send(post("/api/v1/models/gratings/versions/2/classify?topK=10&flip=true", "image/png", picture)));
        float[] averagedFromMirror = probabilities(send(post("/api/v1/models/gratings/versions/2/classify?topK=10&flip=true", "image/png", mirror)));

        for (int i = 0; i < 10; i++) {
            assertThat(averaged[i]).isCloseTo((plain[i] + mirrored[i]) / 2, org.assertj.core.api.Assertions.within(1e-5f));
            assertThat(averagedFromMirror[i]).isCloseTo(averaged[i], org.assertj.core.api.Assertions.within(1e-5f));
        }
        assertThat(plain).isNotEqualTo(mirrored);
    }

    @Test
    void aVersionIsEvaluatedOnTheWholeTestSetWithFlipAveragingReportedApart() throws Exception {
        HttpResponse<String> response = send(post("/api/v1/models/gratings/versions/1/evaluation?flip=true", "application/json", new byte[0]));
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode both = json.readTree(response.body());
        assertThat(both.get("images").asInt()).isEqualTo(40);
        assertThat(both.get("plain").get("accuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(both.get("flipAveraged").get("images").asInt()).isEqualTo(40);
        // the version's recorded accuracy is the same measurement as the plain figure
        double recorded = json.readTree(get("/api/v1/models/gratings/versions/1").body()).get("testAccuracy").asDouble();
        assertThat(both.get("plain").get("accuracy").asDouble()).isCloseTo(recorded, org.assertj.core.api.Assertions.within(1e-9));

        JsonNode plainOnly = json.readTree(send(post("/api/v1/models/gratings/versions/1/evaluation", "application/json", new byte[0])).body());
        assertThat(plainOnly.get("flipAveraged").isNull()).isTrue();
        assertProblem(post("/api/v1/models/gratings/versions/9/evaluation", "application/json", new byte[0]), 404);
    }

    /** Probabilities by class index from a top-10 answer for one image. */
    private float[] probabilities(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).isEqualTo(200);
        float[] byIndex = new float[10];
        for (JsonNode p : json.readTree(response.body()).get("predictions").get(0)) {
            byIndex[p.get("index").asInt()] = (float) p.get("probability").asDouble();
        }
        return byIndex;
    }

    @Test
    void aliasesChooseTheDefaultAndProtectTheirTarget() throws Exception {
        copyOfGratings("aliased");
        assertThat(json.readTree(get("/api/v1/models/aliased").body()).get("defaultVersion").asInt()).isEqualTo(2);

        HttpResponse<String> set = send(HttpRequest.newBuilder(uri("/api/v1/models/aliased/aliases/production"))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"version\":1}")).build());
        assertThat(set.statusCode()).isEqualTo(200);
        assertThat(json.readTree(get("/api/v1/models/aliased").body()).get("defaultVersion").asInt()).isEqualTo(1);
        JsonNode viaAlias = json.readTree(send(post("/api/v1/models/aliased/aliases/production/classify", "image/png", encode(1, "png"))).body());
        assertThat(viaAlias.get("version").asInt()).isEqualTo(1);

        HttpResponse<String> delete = send(HttpRequest.newBuilder(uri("/api/v1/models/aliased/versions/1")).DELETE().build());
        assertThat(delete.statusCode()).isEqualTo(409);
        assertThat(send(HttpRequest.newBuilder(uri("/api/v1/models/aliased/aliases/production"))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"version\":9}")).build())
                .statusCode()).isEqualTo(404);
    }

    /** Versions 1 and 2 of the trained model, imported under {@code name}. */
    private void copyOfGratings(String name) throws Exception {
        for (int v = 1; v <= 2; v++) {
            byte[] zip = java.nio.file.Files.readAllBytes(home.resolve("storage/models/gratings/v" + v + ".zip"));
            HttpResponse<String> imported = send(multipartFile("/api/v1/models/" + name + "/versions", "model.zip", zip, null));
            assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
            assertThat(json.readTree(imported.body()).get("version").asInt()).isEqualTo(v);
        }
    }

    @Test
    void hostileInputGetsAClear4xxNeverA500() throws Exception {
        byte[] png = encode(2, "png");
        assertProblem(post("/api/v1/models/gratings/classify", "image/png", Arrays.copyOf(png, png.length / 2)), 400);
        assertProblem(post("/api/v1/models/gratings/classify", "image/png", new byte[0]), 400);
        assertProblem(post("/api/v1/models/gratings/classify", "image/png", "this is text, not a png".getBytes(StandardCharsets.UTF_8)), 415);
        assertProblem(post("/api/v1/models/gratings/classify", "image/png", pngHeaderClaiming(30_000, 30_000)), 413);
        assertProblem(post("/api/v1/models/gratings/classify", "image/png", new byte[300_000]), 413);
        assertProblem(post("/api/v1/models/gratings/classify", "text/plain", png), 415);
        assertProblem(post("/api/v1/models/gratings/classify", "application/json", "{\"images\":[\"@@@\"]}".getBytes(StandardCharsets.UTF_8)), 400);
        assertProblem(post("/api/v1/models/nosuchmodel/classify", "image/png", png), 404);
        assertProblem(post("/api/v1/models/gratings/versions/99/classify", "image/png", png), 404);
        // an encoded slash never reaches the application: Tomcat refuses it (plain 400) before routing
        assertThat(send(post("/api/v1/models/..%2F..%2Fetc/classify", "image/png", png)).statusCode()).isEqualTo(400);
        assertProblem(post("/api/v1/models/..secret/classify", "image/png", png), 404);
    }

    @Test
    void theOpenInferenceProtocolAnswersLikeKServeAndTriton() throws Exception {
        assertThat(json.readTree(get("/v2/health/live").body()).get("live").asBoolean()).isTrue();
        assertThat(get("/v2/health/ready").statusCode()).isEqualTo(200);
        JsonNode server = json.readTree(get("/v2").body());
        assertThat(server.get("extensions").toString()).contains("classification");
        // the version the build wrote (build-info), not a literal
        assertThat(server.get("version").asString()).isEqualTo(buildVersion());
        assertThat(get("/v2/").statusCode()).isEqualTo(200);
        assertThat(json.readTree(get("/v2/").body())).isEqualTo(server);
        JsonNode metadata = json.readTree(get("/v2/models/gratings").body());
        assertThat(metadata.get("name").asString()).isEqualTo("gratings");
        assertThat(metadata.get("versions").toString()).contains("\"1\"").contains("\"2\"");
        assertThat(metadata.get("inputs").toString()).isEqualTo("[{\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[-1]},"
                + "{\"name\":\"pixels\",\"datatype\":\"UINT8\",\"shape\":[-1,32,32,3]},"
                + "{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[-1,24,24,3]}]");
        assertThat(json.readTree(get("/v2/models/gratings/versions/1/ready").body()).get("ready").asBoolean()).isTrue();

        byte[] png = encode(4, "png");
        String bytesRequest = "{\"id\":\"r1\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\""
                + Base64.getEncoder().encodeToString(png) + "\"]}]}";
        JsonNode bytes = infer("/v2/models/gratings/versions/1/infer", bytesRequest);
        assertThat(bytes.get("model_name").asString()).isEqualTo("gratings");
        assertThat(bytes.get("model_version").asString()).isEqualTo("1");
        assertThat(bytes.get("id").asString()).isEqualTo("r1");
        JsonNode output = bytes.get("outputs").get(0);
        assertThat(output.get("datatype").asString()).isEqualTo("FP32");
        assertThat(output.get("shape").toString()).isEqualTo("[1,10]");
        double[] fromBytes = doubles(output.get("data"));
        assertThat(Arrays.stream(fromBytes).sum()).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-4));

        // the same pixels as UINT8 [1,32,32,3] (PNG is lossless) and preprocessed as FP32 [1,24,24,3]: same answer
        BufferedImage image = ImageIO.read(new java.io.ByteArrayInputStream(png));
        StringBuilder uint8 = new StringBuilder();
        byte[] planes = new byte[3072];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int rgb = image.getRGB(x, y);
                for (int c = 0; c < 3; c++) {
                    int v = (rgb >> (16 - 8 * c)) & 0xFF;
                    uint8.append(uint8.isEmpty() ? "" : ",").append(v);
                    planes[c * 1024 + y * 32 + x] = (byte) v;
                }
            }
        }
        double[] fromPixels = doubles(infer("/v2/models/gratings/versions/1/infer",
                "{\"inputs\":[{\"name\":\"pixels\",\"datatype\":\"UINT8\",\"shape\":[1,32,32,3],\"data\":[" + uint8 + "]}]}")
                .get("outputs").get(0).get("data"));
        float[] nchw = new float[3 * 24 * 24];
        new io.cnnlab.datasets.Preprocessing(24).centre(planes, 0, 3, 32, 32, nchw, 0);
        StringBuilder fp32 = new StringBuilder();
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 24; x++) {
                for (int c = 0; c < 3; c++) {
                    fp32.append(fp32.isEmpty() ? "" : ",").append(nchw[c * 576 + y * 24 + x]);
                }
            }
        }
        double[] fromTensor = doubles(infer("/v2/models/gratings/versions/1/infer",
                "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,24,24,3],\"data\":[" + fp32 + "]}]}")
                .get("outputs").get(0).get("data"));
        for (int i = 0; i < 10; i++) {
            assertThat(fromPixels[i]).isCloseTo(fromBytes[i], org.assertj.core.api.Assertions.within(1e-5));
            assertThat(fromTensor[i]).isCloseTo(fromBytes[i], org.assertj.core.api.Assertions.within(1e-5));
        }

        JsonNode classified = infer("/v2/models/gratings/versions/1/infer", bytesRequest.replace("]}]}",
                "]}],\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"classification\":3}}]}"));
        JsonNode top = classified.get("outputs").get(0);
        assertThat(top.get("datatype").asString()).isEqualTo("BYTES");
        assertThat(top.get("shape").toString()).isEqualTo("[1,3]");
        assertThat(top.get("data").get(0).asString()).matches("\\d\\.\\d+:\\d:[a-z]+");

        HttpResponse<String> wrongShape = send(post("/v2/models/gratings/infer", "application/json",
                "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,5],\"data\":[1,2,3,4,5]}]}".getBytes(StandardCharsets.UTF_8)));
        assertThat(wrongShape.statusCode()).isEqualTo(400);
        assertThat(json.readTree(wrongShape.body()).get("error").asString()).contains("shape");
        HttpResponse<String> wrongName = send(post("/v2/models/gratings/infer", "application/json",
                "{\"inputs\":[{\"name\":\"pixels\",\"datatype\":\"FP32\",\"shape\":[1,5],\"data\":[1,2,3,4,5]}]}".getBytes(StandardCharsets.UTF_8)));
        assertThat(wrongName.statusCode()).isEqualTo(400);
        // an output the model does not have is refused, not answered with probabilities under another name
        HttpResponse<String> unknownOutput = send(post("/v2/models/gratings/infer", "application/json",
                bytesRequest.replace("]}]}", "]}],\"outputs\":[{\"name\":\"logits\"}]}").getBytes(StandardCharsets.UTF_8)));
        assertThat(unknownOutput.statusCode()).as(unknownOutput.body()).isEqualTo(400);
        assertThat(unknownOutput.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        JsonNode unknown = json.readTree(unknownOutput.body());
        assertThat(unknown.get("type").asString()).isEqualTo("urn:problem-type:cnn-lab:invalid-request");
        assertThat(unknown.get("error").asString())
                .isEqualTo("outputs: unknown output \"logits\"; this model's only output is \"probabilities\"");
        // a V2 request counts like a REST one: same admission, batching and meters
        assertThat(get("/actuator/prometheus").body()).containsPattern("cnn_inference_requests_total\\{[^}]*model=\"gratings\"[^}]*outcome=\"rejected\"");

        String prometheus = get("/actuator/prometheus").body();
        assertThat(prometheus).contains("cnn_inference_requests_total{").contains("outcome=\"ok\"")
                .contains("cnn_inference_latency_seconds_bucket").contains("cnn_inference_batch_size_count")
                .contains("cnn_inference_models_loaded").contains("cnn_inference_queue_depth");
    }

    /** With one version in memory, every swap loads the version it switches to while clients classify. */
    @Test
    void swappingTheProductionVersionFailsNoRequestEvenWhenTheSwapLoadsAVersion() throws Exception {
        copyOfGratings("swapped");
        byte[] png = encode(5, "png");
        double loadsBefore = loads();
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.List<Integer> statuses = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.Set<Integer> versionsSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.List<Thread> clients = new java.util.ArrayList<>();
        for (int c = 0; c < 4; c++) {
            Thread client = new Thread(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<String> r = send(post("/api/v1/models/swapped/classify", "image/png", png));
                        statuses.add(r.statusCode());
                        if (r.statusCode() == 200) {
                            versionsSeen.add(json.readTree(r.body()).get("version").asInt());
                        }
                    } catch (Exception e) {
                        statuses.add(-1);
                    }
                }
            });
            client.start();
            clients.add(client);
        }
        for (int version : new int[]{1, 2, 1, 2}) {
            int before = statuses.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> statuses.size() >= before + 5);
            HttpResponse<String> set = send(HttpRequest.newBuilder(uri("/api/v1/models/swapped/aliases/production"))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"version\":" + version + "}")).build());
            assertThat(set.statusCode()).isEqualTo(200);
            // the swap is over only once clients got the new version: a condition, not a clock
            await().atMost(Duration.ofSeconds(60)).until(() -> versionsSeen.contains(version));
            versionsSeen.clear();
        }
        running.set(false);
        for (Thread client : clients) {
            client.join(10_000);
        }
        assertThat(statuses).hasSizeGreaterThan(20).containsOnly(200);
        // each of the four swaps loaded the version it switched to (only one fits in memory)
        assertThat(loads() - loadsBefore).isGreaterThanOrEqualTo(4);
    }

    private double loads() throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^cnn_inference_model_loads_total(?:\\{[^}]*})? (\\S+)$")
                .matcher(get("/actuator/prometheus").body());
        assertThat(m.find()).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aUsersDl4jZipImportsAsAVersionAndIsCheckedFirst() throws Exception {
        byte[] zip = java.nio.file.Files.readAllBytes(home.resolve("storage/models/gratings/v1.zip"));

        HttpResponse<String> imported = send(multipartFile("/api/v1/models/brought/versions", "model.zip", zip, null));
        assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
        JsonNode version = json.readTree(imported.body());
        assertThat(version.get("source").asString()).isEqualTo("IMPORTED");
        assertThat(version.get("version").asInt()).isEqualTo(1);
        assertThat(imported.headers().firstValue("Location")).hasValue("/api/v1/models/brought/versions/1");
        assertThat(send(post("/api/v1/models/brought/classify", "image/png", encode(6, "png"))).statusCode()).isEqualTo(200);

        assertProblem(multipartFile("/api/v1/models/brought/versions", "model.zip", zip, "cat,dog,bird"), 400);
        assertProblem(multipartFile("/api/v1/models/brought/versions", "model.zip", zipWith("../../evil.txt", new byte[10]), null), 400);
        assertProblem(multipartFile("/api/v1/models/brought/versions", "model.zip", "not a zip at all".getBytes(StandardCharsets.UTF_8), null), 400);
        assertProblem(multipartFile("/api/v1/models/brought/versions", "model.zip", zipWith("coefficients.bin", new byte[30 << 20]), null), 400);
        assertThat(json.readTree(get("/api/v1/models/brought").body()).get("versions")).hasSize(1);
    }

    private static byte[] zipWith(String entry, byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(bytes)) {
            zip.putNextEntry(new java.util.zip.ZipEntry("configuration.json"));
            zip.write("{}".getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new java.util.zip.ZipEntry(entry));
            zip.write(content);
        }
        return bytes.toByteArray();
    }

    private HttpRequest multipartFile(String path, String fileName, byte[] content, String labels) {
        String boundary = "----cnnlab" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                + "\"\r\nContent-Type: application/zip\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        if (labels != null) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"labels\"\r\n\r\n" + labels + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return post(path, "multipart/form-data; boundary=" + boundary, body.toByteArray());
    }

    private static String buildVersion() throws IOException {
        java.util.Properties build = new java.util.Properties();
        try (var in = ClassificationEndToEndTest.class.getResourceAsStream("/META-INF/build-info.properties")) {
            assertThat(in).as("the build writes build-info.properties").isNotNull();
            build.load(in);
        }
        return build.getProperty("build.version");
    }

    @Test
    void aVersionWhoseFileIsMissingOrCorruptIsNotReady() throws Exception {
        copyOfGratings("fragile");
        Path v1 = home.resolve("storage/models/fragile/v1.zip");
        Path v2 = home.resolve("storage/models/fragile/v2.zip");
        // the stored files and this instance's cached copies of them: nothing intact is left to load from
        for (Path file : java.util.List.of(v1, home.resolve("cache/models/fragile/v1.zip"))) {
            java.nio.file.Files.deleteIfExists(file);
        }
        for (Path file : java.util.List.of(v2, home.resolve("cache/models/fragile/v2.zip"))) {
            if (java.nio.file.Files.exists(file)) {
                byte[] bytes = java.nio.file.Files.readAllBytes(file);
                bytes[bytes.length / 2] ^= 0x55;
                java.nio.file.Files.write(file, bytes);
            }
        }
        // version 2 (the default, preloaded when imported) is pushed out of memory by another version's load
        assertThat(send(post("/api/v1/models/gratings/versions/1/classify", "image/png", encode(1, "png"))).statusCode()).isEqualTo(200);

        HttpResponse<String> missing = get("/v2/models/fragile/versions/1/ready");
        assertThat(missing.statusCode()).isEqualTo(503);
        assertThat(json.readTree(missing.body()).get("ready").asBoolean()).isFalse();
        assertThat(json.readTree(get("/v2/models/fragile/versions/2/ready").body()).get("ready").asBoolean()).isFalse();
        assertThat(json.readTree(get("/v2/models/fragile/ready").body()).get("ready").asBoolean()).isFalse();
        assertThat(json.readTree(get("/v2/models/gratings/ready").body()).get("ready").asBoolean()).isTrue();
        assertProblem(post("/api/v1/models/fragile/versions/2/classify", "image/png", encode(1, "png")), 503);
    }

    private JsonNode infer(String path, String body) throws Exception {
        HttpResponse<String> response = send(post(path, "application/json", body.getBytes(StandardCharsets.UTF_8)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static double[] doubles(JsonNode array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asDouble();
        }
        return values;
    }

    private void assertProblem(HttpRequest request, int... statuses) throws Exception {
        HttpResponse<String> response = send(request);
        assertThat(response.statusCode()).as(response.body()).isIn(Arrays.stream(statuses).boxed().toArray());
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
    }

    /** A generated grating of class {@code label}, encoded. */
    private static byte[] encode(int label, String format) throws IOException {
        return encode(label, format, false);
    }

    private static byte[] encode(int label, String format, boolean mirrored) throws IOException {
        byte[] record = CifarFixtures.record(label, new Random(label));
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int r = record[1 + y * 32 + x] & 0xFF;
                int g = record[1 + 1024 + y * 32 + x] & 0xFF;
                int b = record[1 + 2048 + y * 32 + x] & 0xFF;
                image.setRGB(mirrored ? 31 - x : x, y, (r << 16) | (g << 8) | b);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).isTrue();
        return out.toByteArray();
    }

    /** A tiny file whose PNG header claims a huge image: must be refused from the header, not decoded. */
    private static byte[] pngHeaderClaiming(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[]{0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private HttpRequest multipart(String path, byte[]... images) {
        String boundary = "----cnnlab" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < images.length; i++) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"image" + i
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(images[i]);
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return post(path, "multipart/form-data; boundary=" + boundary, body.toByteArray());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private HttpRequest post(String path, String contentType, byte[] body) {
        return HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).build());
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
