package io.cnnlab.web;

import io.cnnlab.ServiceFixture;
import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.networks.ModelZips;
import io.cnnlab.networks.Tripwire;
import io.cnnlab.training.Networks;
import io.cnnlab.training.TrainingPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An imported zip is read by the service's own model reader: entries DL4J would deserialise with Java serialisation
 * ({@code preprocessor.bin}, {@code normalizer.bin}) get a 400 problem at once, and nothing is registered.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ModelImportSecurityTest {

    /** DL4J's reader spent minutes of CPU on a 6 KB preprocessor entry; a refusal must come long before that. */
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 10, 4);
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(ANSWER_WITHIN).build();

    @Test
    void serialisedJavaObjectsInAnImportAreRefusedAtOnceWithoutBeingRead() throws Exception {
        Architecture baseline = Architectures.offered().get("baseline");
        byte[] model = ModelZips.write(Networks.create(baseline, TrainingPlan.seedDefaults(baseline)));
        Tripwire.DESERIALISED.set(false);

        assertProblem(importing(ModelZips.with(model, "preprocessor.bin", Tripwire.serialised())), "preprocessor.bin");
        assertProblem(importing(ModelZips.with(model, "normalizer.bin", serialised(new HashSet<>(List.of("a", "b"))))), "normalizer.bin");
        assertThat(Tripwire.DESERIALISED).isFalse();

        String json = new String(ModelZips.entries(model).get("configuration.json"), StandardCharsets.UTF_8);
        byte[] foreignClass = ModelZips.with(model, "configuration.json",
                json.replace("org.nd4j.linalg.activations.impl.ActivationReLU", "java.util.HashSet").getBytes(StandardCharsets.UTF_8));
        assertProblem(importing(foreignClass), "java.util.HashSet");

        assertThat(get("/api/v1/models/brought").statusCode()).as("nothing was registered").isEqualTo(404);
        HttpResponse<String> clean = importing(model);
        assertThat(clean.statusCode()).as(clean.body()).isEqualTo(201);
    }

    private HttpResponse<String> importing(byte[] zip) throws IOException, InterruptedException {
        String boundary = "----cnnlab" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"model.zip\""
                + "\r\nContent-Type: application/zip\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(zip);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/models/brought/versions"))
                .timeout(ANSWER_WITHIN)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(ANSWER_WITHIN).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertProblem(HttpResponse<String> response, String detail) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(response.body()).contains("invalid-model").contains(detail);
    }

    private static byte[] serialised(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }
}
