package io.cnnlab.deploy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the Dockerfile does, without Docker: extract the packaged jar into Spring Boot's layers, merge them the way
 * the image's COPY lines do, start the extracted application and ask it for its health. Runs after packaging
 * (failsafe, {@code ./mvnw verify}).
 */
class LayeredJarIT {

    @TempDir
    Path tmp;

    private Process app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.destroyForcibly();
        }
    }

    @Test
    void theJarExtractsIntoLayersAndTheExtractedApplicationStartsAndAnswersHealth() throws Exception {
        Path jar;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("cnn-lab-.*\\.jar")).findFirst().orElseThrow();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path extracted = tmp.resolve("extracted");
        Process extract = new ProcessBuilder(java, "-Djarmode=tools", "-jar", jar.toString(), "extract", "--layers",
                "--launcher", "--destination", extracted.toString()).inheritIO().start();
        assertThat(extract.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(extract.exitValue()).isZero();

        List<String> layers = List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application");
        for (String layer : layers) {
            assertThat(extracted.resolve(layer)).isDirectory();
        }
        long application = size(extracted.resolve("application"));
        long dependencies = size(extracted.resolve("dependencies"));
        assertThat(application).as("a code change re-ships only this layer").isLessThan(5_000_000);
        assertThat(dependencies).isGreaterThan(50 * application);

        Path app = tmp.resolve("app");
        for (String layer : layers) {
            copyTree(extracted.resolve(layer), app);
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        // the image's own JVM options, with its scratch directory moved here
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        String javaToolOptions = dockerfileJavaToolOptions().replace("/tmp/cnn", scratch.toString());
        ProcessBuilder launch = new ProcessBuilder(java, "-cp", app.toString(),
                "org.springframework.boot.loader.launch.JarLauncher", "--server.port=" + port,
                // on loopback the service starts without keys (beyond it, it would refuse to)
                "--server.address=127.0.0.1",
                "--cnn.home=" + tmp.resolve("home"), "--cnn.dataset.download=false")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("app.log").toFile());
        launch.environment().put("JAVA_TOOL_OPTIONS", javaToolOptions);
        this.app = launch.start();
        HttpClient http = HttpClient.newHttpClient();
        URI liveness = URI.create("http://localhost:" + port + "/actuator/health/liveness");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
                http.send(HttpRequest.newBuilder(liveness).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        String body = http.send(HttpRequest.newBuilder(liveness).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(body).contains("\"status\":\"UP\"");

        // JavaCPP took the image's off-heap cap (2000m) and unpacked its natives into the writable scratch volume
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("cnn_process_physical_max_bytes " + (double) (3700L << 20));
        assertThat(scratch.resolve("javacpp")).isDirectory();
    }

    private static String dockerfileJavaToolOptions() throws IOException {
        String dockerfile = Files.readString(Path.of("docker", "Dockerfile"));
        var matcher = java.util.regex.Pattern.compile("ENV JAVA_TOOL_OPTIONS=\"([^\"]+)\"").matcher(dockerfile);
        assertThat(matcher.find()).isTrue();
        return matcher.group(1);
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
