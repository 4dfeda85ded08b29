package io.cnnlab.web;

import io.cnnlab.ServiceFixture;
import io.cnnlab.datasets.DatasetArchives;
import io.cnnlab.datasets.Datasets;
import io.cnnlab.datasets.LabelledImages;
import io.cnnlab.datasets.Thumbnails;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data set API over a real HTTP server: uploads of generated shape images (zip, tar.gz, multipart) with their
 * classes, counts and split; list, get, delete; every hostile archive refused with its exact status and nothing left
 * behind (no folder under cnn.home/datasets, no row); folder registration inside and outside the configured root.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DatasetUploadTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Data sets a test marks as used by a job, what the jobs side will answer once jobs name data sets. */
    static final Map<String, List<String>> IN_USE = new ConcurrentHashMap<>();

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        ServiceFixture.withGeneratedData(registry, home, 10, 4);
        Files.createDirectories(home.resolve("roots/images"));
        registry.add("cnn.datasets.roots", () -> home.resolve("roots/images").toString());
        registry.add("cnn.datasets.max-upload-bytes", () -> "4MB");
        registry.add("cnn.datasets.max-uncompressed-bytes", () -> "3MB");
        registry.add("cnn.datasets.max-entries", () -> "60");
        registry.add("cnn.datasets.max-pixels", () -> "40000");
    }

    @TestConfiguration
    static class JobsUsingDatasets {

        @Bean
        Datasets.Usage datasetUsage() {
            return id -> IN_USE.getOrDefault(id, List.of());
        }
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final JsonMapper json = JsonMapper.builder().build();

    // ---- uploads that work

    @Test
    void aZipOfClassFoldersBecomesADataSetWithAStratifiedSplit() throws Exception {
        Map<String, byte[]> files = DatasetArchives.shapes("", 5, "png");
        files.put("notes.txt", "not an image".getBytes(StandardCharsets.UTF_8));
        files.put("circle/broken.png", new byte[]{(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        byte[] zip = DatasetArchives.zip(files);

        HttpResponse<String> response = post("/api/v1/datasets?name=shapes", "application/zip", zip);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode set = json.readTree(response.body());
        String id = set.get("id").asString();
        assertThat(response.headers().firstValue("Location")).hasValue("/api/v1/datasets/" + id);
        assertThat(set.get("name").asString()).isEqualTo("shapes");
        assertThat(set.get("source").asString()).isEqualTo("upload");
        assertThat(strings(set.get("classes"))).containsExactly("circle", "square", "triangle");
        for (String shape : DatasetArchives.SHAPES) {
            assertThat(set.get("counts").get(shape).get("train").asInt()).as(shape).isEqualTo(4);
            assertThat(set.get("counts").get(shape).get("test").asInt()).as(shape).isEqualTo(1);
        }
        assertThat(set.get("images").asInt()).isEqualTo(15);
        assertThat(set.get("split").asString()).isEqualTo("seeded");
        assertThat(set.get("testFraction").asDouble()).isEqualTo(0.2);
        assertThat(set.get("sha256").asString()).isEqualTo(sha256(zip));
        assertThat(set.get("createdAt").isNull()).isFalse();
        assertThat(set.get("rejectedCount").asInt()).isEqualTo(2);
        Map<String, String> rejected = rejected(set);
        assertThat(rejected.keySet()).containsExactlyInAnyOrder("notes.txt", "circle/broken.png");
        assertThat(rejected.get("notes.txt")).contains("not an image format");

        Path stored = home.resolve("datasets").resolve(id);
        assertThat(Files.size(stored.resolve("train.bin"))).isEqualTo(12 * 3074L);
        assertThat(Files.size(stored.resolve("test.bin"))).isEqualTo(3 * 3074L);
        assertThat(json.readTree(Files.readString(stored.resolve("manifest.json"))).get("images").size()).isEqualTo(15);

        HttpResponse<String> again = get("/api/v1/datasets/" + id);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json.readTree(again.body())).isEqualTo(set);
    }

    @Test
    void aTarGzWithItsOwnTrainAndTestFoldersKeepsItsSplit() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>(DatasetArchives.shapes("shapes/train/", 3, "jpeg"));
        files.putAll(DatasetArchives.shapes("shapes/test/", 2, "png"));

        HttpResponse<String> response = post("/api/v1/datasets?testFraction=0.5", "application/gzip", DatasetArchives.tarGz(files));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode set = json.readTree(response.body());
        assertThat(strings(set.get("classes"))).containsExactly("circle", "square", "triangle");
        for (String shape : DatasetArchives.SHAPES) {
            assertThat(set.get("counts").get(shape).get("train").asInt()).isEqualTo(3);
            assertThat(set.get("counts").get(shape).get("test").asInt()).isEqualTo(2);
        }
        assertThat(set.get("split").asString()).isEqualTo("archive");
        assertThat(set.get("testFraction").isNull()).isTrue();
        assertThat(set.get("rejectedCount").asInt()).isZero();
        assertThat(set.get("name").asString()).startsWith("dataset-");
    }

    @Test
    void aMultipartUploadIsNamedAfterItsFile() throws Exception {
        byte[] zip = DatasetArchives.zip(DatasetArchives.shapes("", 3, "png"));
        String boundary = "----cnnlab" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"my-shapes.zip\""
                + "\r\nContent-Type: application/zip\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(zip);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> response = post("/api/v1/datasets?testFraction=0", "multipart/form-data; boundary=" + boundary,
                body.toByteArray());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode set = json.readTree(response.body());
        assertThat(set.get("name").asString()).isEqualTo("my-shapes");
        assertThat(set.get("counts").get("square").get("train").asInt()).isEqualTo(3);
        assertThat(set.get("counts").get("square").get("test").asInt()).isZero();
        assertThat(set.get("sha256").asString()).isEqualTo(sha256(zip));
    }

    @Test
    void aNestedArchiveIsRejectedAndNotOpened() throws Exception {
        Map<String, byte[]> files = DatasetArchives.shapes("", 2, "png");
        files.put("circle/more.zip", DatasetArchives.zip(DatasetArchives.shapes("", 2, "png")));
        files.put("square/more-in-disguise.png", DatasetArchives.tarGz(DatasetArchives.shapes("", 1, "png")));

        HttpResponse<String> response = post("/api/v1/datasets", "application/zip", DatasetArchives.zip(files));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode set = json.readTree(response.body());
        assertThat(set.get("images").asInt()).isEqualTo(6);
        assertThat(rejected(set)).containsOnlyKeys("circle/more.zip", "square/more-in-disguise.png")
                .allSatisfy((file, reason) -> assertThat(reason).contains("nested archives are not opened"));
    }

    // ---- sample thumbnails

    @Autowired
    Datasets datasets;

    @Test
    void samplesAreTheStoredImagesOfEachClassAsPngsOfTheirExactPixels() throws Exception {
        HttpResponse<String> uploaded = post("/api/v1/datasets?testFraction=0.5", "application/zip",
                DatasetArchives.zip(DatasetArchives.shapes("", 2, "png"))); // of each shape one in train, one in test
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
        String id = json.readTree(uploaded.body()).get("id").asString();
        Datasets.Splits splits = datasets.load(id);

        HttpResponse<String> response = get("/api/v1/datasets/" + id + "/samples?perClass=2");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode page = json.readTree(response.body());
        assertThat(page.get("page").asInt()).isZero();
        assertThat(page.get("total").asInt()).isEqualTo(6);
        JsonNode items = page.get("items");
        List<String> labels = new java.util.ArrayList<>();
        for (JsonNode item : items) {
            labels.add(item.get("label").asString());
            LabelledImages split = item.get("split").asString().equals("train") ? splits.train() : splits.test();
            int index = item.get("index").asInt();
            assertThat(split.classes().get(split.label(index))).isEqualTo(item.get("label").asString());
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(Thumbnails.decode(item.get("thumbnail").asString())));
            assertThat(png.getWidth()).isEqualTo(32);
            assertThat(png.getHeight()).isEqualTo(32);
            int plane = 32 * 32;
            int start = index * split.imageBytes();
            for (int p = 0; p < plane; p += 37) {
                int rgb = png.getRGB(p % 32, p / 32);
                assertThat(new int[]{rgb >> 16 & 0xFF, rgb >> 8 & 0xFF, rgb & 0xFF}).as("pixel " + p).containsExactly(
                        split.pixels()[start + p] & 0xFF, split.pixels()[start + plane + p] & 0xFF,
                        split.pixels()[start + 2 * plane + p] & 0xFF);
            }
        }
        // class by class in label order; the test split makes up what training lacks
        assertThat(labels).containsExactly("circle", "circle", "square", "square", "triangle", "triangle");
        assertThat(items.get(0).get("split").asString()).isEqualTo("train");
        assertThat(items.get(1).get("split").asString()).isEqualTo("test");

        JsonNode defaults = json.readTree(get("/api/v1/datasets/" + id + "/samples").body());
        assertThat(defaults.get("total").asInt()).as("at most 4 of each class, as there are").isEqualTo(6);
        JsonNode second = json.readTree(get("/api/v1/datasets/" + id + "/samples?perClass=2&page=1&size=4").body());
        assertThat(second.get("items").size()).isEqualTo(2);
        assertThat(second.get("items").get(0).get("label").asString()).isEqualTo("triangle");

        assertProblem(get("/api/v1/datasets/" + id + "/samples?perClass=21"), 400, "invalid-request");
        assertProblem(get("/api/v1/datasets/" + id + "/samples?perClass=0"), 400, "invalid-request");
        assertProblem(get("/api/v1/datasets/00000000-0000-4000-8000-000000000000/samples"), 404, "not-found");
    }

    // ---- list, get, delete

    @Test
    void theListStartsWithCifar10AndPagesThroughUsersSets() throws Exception {
        String id = upload();
        JsonNode first = json.readTree(get("/api/v1/datasets?page=0&size=1").body());
        assertThat(first.get("items").size()).isEqualTo(1);
        JsonNode cifar = first.get("items").get(0);
        assertThat(cifar.get("id").asString()).isEqualTo("cifar10");
        assertThat(cifar.get("source").asString()).isEqualTo("builtin");
        assertThat(strings(cifar.get("classes"))).hasSize(10).startsWith("airplane");
        assertThat(cifar.get("counts").get("cat").get("train").asInt()).isEqualTo(5000);
        assertThat(first.get("page").asInt()).isZero();
        assertThat(first.get("size").asInt()).isEqualTo(1);
        long total = first.get("total").asLong();
        assertThat(total).isGreaterThanOrEqualTo(2);

        JsonNode all = json.readTree(get("/api/v1/datasets?size=100").body());
        assertThat(all.get("items").size()).isEqualTo((int) total);
        assertThat(all.get("items").get(1).get("id").asString()).as("newest first after cifar10").isEqualTo(id);
        JsonNode second = json.readTree(get("/api/v1/datasets?page=1&size=1").body());
        assertThat(second.get("items").get(0).get("id").asString()).isEqualTo(id);
        assertThat(get("/api/v1/datasets?size=0").statusCode()).isEqualTo(400);
    }

    @Test
    void deleteRemovesTheRowAndTheFiles() throws Exception {
        String id = upload();
        assertThat(home.resolve("datasets").resolve(id)).isDirectory();

        HttpResponse<String> deleted = send(HttpRequest.newBuilder(uri("/api/v1/datasets/" + id)).DELETE());
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();

        assertProblem(get("/api/v1/datasets/" + id), 404, "not-found");
        assertThat(home.resolve("datasets").resolve(id)).doesNotExist();
        assertProblem(send(HttpRequest.newBuilder(uri("/api/v1/datasets/" + id)).DELETE()), 404, "not-found");
    }

    @Test
    void aDataSetAJobUsesIsNotDeleted() throws Exception {
        String id = upload();
        IN_USE.put(id, List.of("job-1"));
        try {
            HttpResponse<String> refused = send(HttpRequest.newBuilder(uri("/api/v1/datasets/" + id)).DELETE());
            assertProblem(refused, 409, "dataset-conflict");
            assertThat(refused.body()).contains("job-1");
            assertThat(get("/api/v1/datasets/" + id).statusCode()).isEqualTo(200);
            assertThat(home.resolve("datasets").resolve(id)).isDirectory();
        } finally {
            IN_USE.remove(id);
        }
        assertThat(send(HttpRequest.newBuilder(uri("/api/v1/datasets/" + id)).DELETE()).statusCode()).isEqualTo(204);
    }

    @Test
    void theBuiltInSetCannotBeDeleted() throws Exception {
        assertProblem(send(HttpRequest.newBuilder(uri("/api/v1/datasets/cifar10")).DELETE()), 409, "dataset-conflict");
        assertThat(get("/api/v1/datasets/cifar10").statusCode()).isEqualTo(200);
    }

    // ---- hostile archives: each refused whole, nothing left behind

    @Test
    void anEntryWithDotDotIsRefused() throws Exception {
        Map<String, byte[]> files = DatasetArchives.shapes("", 2, "png");
        files.put("circle/../../evil.png", DatasetArchives.encode(DatasetArchives.shape("circle", 40, 1), "png"));
        refused(post("/api/v1/datasets", "application/zip", DatasetArchives.zip(files)), 400, "unsafe-archive-entry", "'..'");
    }

    @Test
    void anAbsoluteEntryIsRefused() throws Exception {
        Map<String, byte[]> files = DatasetArchives.shapes("", 2, "png");
        files.put("/etc/cron.d/evil.png", DatasetArchives.encode(DatasetArchives.shape("circle", 40, 1), "png"));
        refused(post("/api/v1/datasets", "application/gzip", DatasetArchives.tarGz(files)), 400, "unsafe-archive-entry",
                "absolute path");
    }

    @Test
    void aSymbolicLinkInATarIsRefused() throws Exception {
        byte[] tar = DatasetArchives.tarGz(DatasetArchives.shapes("", 2, "png"),
                DatasetArchives.link("circle/passwd.png", "/etc/passwd", TarArchiveEntry.LF_SYMLINK));
        refused(post("/api/v1/datasets", "application/gzip", tar), 400, "unsafe-archive-entry", "symbolic link");
    }

    @Test
    void aHardLinkInATarIsRefused() throws Exception {
        byte[] tar = DatasetArchives.tarGz(DatasetArchives.shapes("", 2, "png"),
                DatasetArchives.link("circle/shadow.png", "../../etc/shadow", TarArchiveEntry.LF_LINK));
        refused(post("/api/v1/datasets", "application/gzip", tar), 400, "unsafe-archive-entry", "hard link");
    }

    @Test
    void aZipBombIsStoppedAtTheUncompressedLimit() throws Exception {
        Map<String, byte[]> files = DatasetArchives.shapes("", 2, "png");
        files.put("circle/zeros.png", new byte[5 * 1024 * 1024]);
        byte[] zip = DatasetArchives.zip(files);
        assertThat(zip.length).as("small on the wire").isLessThan(100_000);
        refused(post("/api/v1/datasets", "application/zip", zip), 413, "dataset-too-large", "max-uncompressed-bytes");
    }

    @Test
    void aTarGzBombIsStoppedAtTheUncompressedLimit() throws Exception {
        Map<String, byte[]> files = DatasetArchives.shapes("", 2, "png");
        files.put("square/zeros.bin", new byte[5 * 1024 * 1024]);
        refused(post("/api/v1/datasets", "application/gzip", DatasetArchives.tarGz(files)), 413, "dataset-too-large",
                "max-uncompressed-bytes");
    }

    @Test
    void tooManyEntriesAreRefused() throws Exception {
        Map<String, byte[]> files = DatasetArchives.shapes("", 2, "png");
        for (int i = 0; i < 60; i++) {
            files.put("square/empty-" + i + ".txt", new byte[0]);
        }
        refused(post("/api/v1/datasets", "application/zip", DatasetArchives.zip(files)), 413, "dataset-too-large", "max-entries");
        refused(post("/api/v1/datasets", "application/gzip", DatasetArchives.tarGz(files)), 413, "dataset-too-large", "max-entries");
    }

    @Test
    void anImageOverThePixelLimitIsRefused() throws Exception {
        Map<String, byte[]> files = DatasetArchives.shapes("", 2, "png");
        files.put("circle/huge.png", DatasetArchives.encode(DatasetArchives.shape("circle", 300, 1), "png"));
        refused(post("/api/v1/datasets", "application/zip", DatasetArchives.zip(files)), 413, "dataset-too-large", "max-pixels");
    }

    @Test
    void aSingleClassIsRefused() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>(DatasetArchives.shapes("", 3, "png"));
        files.keySet().removeIf(name -> !name.startsWith("circle/"));
        refused(post("/api/v1/datasets", "application/zip", DatasetArchives.zip(files)), 400, "not-a-dataset", "two classes");
    }

    @Test
    void anArchiveWithoutImagesIsRefused() throws Exception {
        Map<String, byte[]> files = Map.of("circle/a.txt", "a".getBytes(StandardCharsets.UTF_8),
                "square/b.txt", "b".getBytes(StandardCharsets.UTF_8));
        refused(post("/api/v1/datasets", "application/zip", DatasetArchives.zip(files)), 400, "not-a-dataset", "no usable images");
    }

    @Test
    void somethingThatIsNotAnArchiveIsRefused() throws Exception {
        refused(post("/api/v1/datasets", "application/zip", DatasetArchives.encode(DatasetArchives.shape("circle", 40, 1), "png")),
                415, "not-an-archive", "neither a zip nor a tar.gz");
    }

    @Test
    void aGzipThatHoldsNoTarIsRefused() throws Exception {
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        try (OutputStream out = new java.util.zip.GZIPOutputStream(gzip)) {
            out.write("just some text, no tar headers at all".repeat(20).getBytes(StandardCharsets.UTF_8));
        }
        refused(post("/api/v1/datasets", "application/gzip", gzip.toByteArray()), 415, "not-an-archive", "no tar archive");
    }

    @Test
    void aTruncatedArchiveIsRefused() throws Exception {
        byte[] tar = DatasetArchives.tarGz(DatasetArchives.shapes("", 3, "png"));
        refused(post("/api/v1/datasets", "application/gzip", java.util.Arrays.copyOf(tar, tar.length / 2)), 400,
                "damaged-archive", "cannot be read to the end");
    }

    @Test
    void anUnsupportedContentTypeIsRefused() throws Exception {
        HttpResponse<String> response = post("/api/v1/datasets", "text/plain", "hello".getBytes(StandardCharsets.UTF_8));
        assertProblem(response, 415, "unsupported-media-type");
    }

    @Test
    void aTestFractionOutOfRangeIsRefusedBeforeTheBodyIsRead() throws Exception {
        refused(post("/api/v1/datasets?testFraction=0.95", "application/zip", DatasetArchives.zip(DatasetArchives.shapes("", 2, "png"))),
                400, "invalid-request", "testFraction");
    }

    @Test
    void aDeclaredBodyOverTheLimitIsRefusedBeforeItIsRead() throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            socket.getOutputStream().write(("POST /api/v1/datasets HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/zip\r\nContent-Length: 999999999\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            // the answer comes at once; the server may then wait for the body it was promised, so read only until
            // the problem's end rather than until the connection closes
            InputStream in = socket.getInputStream();
            StringBuilder answer = new StringBuilder();
            byte[] buffer = new byte[4096];
            while (!(answer.indexOf("\r\n\r\n") > 0 && answer.toString().stripTrailing().endsWith("}"))
                    && !answer.toString().endsWith("\r\n0\r\n\r\n")) {
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                answer.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
            assertThat(answer.toString()).startsWith("HTTP/1.1 413").contains("payload-too-large").contains("cnn.datasets.max-upload-bytes");
        }
        assertNothingLeftBehind(before());
    }

    @Test
    void aChunkedBodyOverTheLimitIsRefusedWhileItIsStreamed() throws Exception {
        Set<String> before = before();
        byte[] big = new byte[5 * 1024 * 1024];
        new java.util.Random(1).nextBytes(big);
        big[0] = 'P';
        big[1] = 'K';
        big[2] = 3;
        big[3] = 4;
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/v1/datasets"))
                .header("Content-Type", "application/zip")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));
        assertProblem(response, 413, "dataset-too-large");
        assertThat(response.body()).contains("max-upload-bytes");
        assertNothingLeftBehind(before);
    }

    // ---- server-side folders

    @Test
    void aFolderUnderTheRootIsRegistered() throws Exception {
        Path folder = home.resolve("roots/images/pets");
        for (var file : DatasetArchives.shapes("", 4, "png").entrySet()) {
            Path target = folder.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.write(target, file.getValue());
        }
        HttpResponse<String> response = postJson("{\"path\": \"" + folder + "\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode set = json.readTree(response.body());
        assertThat(set.get("name").asString()).isEqualTo("pets");
        assertThat(set.get("source").asString()).isEqualTo("folder");
        assertThat(set.get("images").asInt()).isEqualTo(12);
        assertThat(set.get("counts").get("triangle").get("train").asInt()).isEqualTo(3);
        assertThat(set.get("counts").get("triangle").get("test").asInt()).isEqualTo(1);
        assertThat(set.get("sha256").asString()).hasSize(64);
    }

    @Test
    void aFolderOutsideTheRootsIsRefused() throws Exception {
        Path outside = home.resolve("elsewhere");
        for (var file : DatasetArchives.shapes("", 2, "png").entrySet()) {
            Path target = outside.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.write(target, file.getValue());
        }
        Set<String> before = before();
        assertProblem(postJson("{\"path\": \"" + outside + "\"}"), 403, "outside-dataset-roots");
        assertProblem(postJson("{\"path\": \"" + home.resolve("roots/images/../../elsewhere") + "\"}"), 403, "outside-dataset-roots");
        Path link = home.resolve("roots/images/shortcut");
        Files.createSymbolicLink(link, outside);
        assertProblem(postJson("{\"path\": \"" + link + "\"}"), 403, "outside-dataset-roots");
        assertProblem(postJson("{\"path\": \"relative/path\"}"), 400, "invalid-request");
        assertNothingLeftBehind(before);
    }

    // ---- helpers

    private String upload() throws Exception {
        HttpResponse<String> response = post("/api/v1/datasets", "application/zip",
                DatasetArchives.zip(DatasetArchives.shapes("", 2, "png")));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json.readTree(response.body()).get("id").asString();
    }

    private void refused(HttpResponse<String> response, int status, String type, String detail) throws Exception {
        assertProblem(response, status, type);
        assertThat(json.readTree(response.body()).get("detail").asString()).contains(detail);
        assertNothingLeftBehind(null);
    }

    private void assertProblem(HttpResponse<String> response, int status, String type) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(json.readTree(response.body()).get("type").asString()).isEqualTo("urn:problem-type:cnn-lab:" + type);
    }

    /** The folders under cnn.home/datasets, which must be exactly the listed sets' (the test class's uploads). */
    private Set<String> before() throws Exception {
        return listedIds();
    }

    private void assertNothingLeftBehind(Set<String> before) throws Exception {
        Set<String> listed = listedIds();
        if (before != null) {
            assertThat(listed).as("no row added").isEqualTo(before);
        }
        Path root = home.resolve("datasets");
        Set<String> folders = new TreeSet<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> children = Files.list(root)) {
                children.forEach(c -> folders.add(c.getFileName().toString()));
            }
        }
        listed.remove("cifar10");
        assertThat(folders).as("no folder but those of listed sets").isEqualTo(listed);
    }

    private Set<String> listedIds() throws Exception {
        Set<String> ids = new TreeSet<>();
        JsonNode page = json.readTree(get("/api/v1/datasets?size=100").body());
        page.get("items").forEach(item -> ids.add(item.get("id").asString()));
        return ids;
    }

    private static Map<String, String> rejected(JsonNode set) {
        Map<String, String> rejected = new LinkedHashMap<>();
        set.get("rejected").forEach(r -> rejected.put(r.get("file").asString(), r.get("reason").asString()));
        return rejected;
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new java.util.ArrayList<>();
        array.forEach(v -> values.add(v.asString()));
        return values;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private HttpResponse<String> postJson(String body) throws Exception {
        return post("/api/v1/datasets", "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }
}
