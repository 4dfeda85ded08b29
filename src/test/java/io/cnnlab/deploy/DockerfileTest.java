package io.cnnlab.deploy;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No Docker engine runs here, so the Dockerfile is checked against written rules (those hadolint would apply that
 * matter most to us): pinned base images, a non-root user, no remote ADD, a health check, explicit heap and
 * off-heap limits, and a compose file that wires Prometheus to the service.
 */
class DockerfileTest {

    private static final Path DOCKER = Path.of("docker");
    private static final Pattern PINNED_FROM = Pattern.compile("FROM\\s+[\\w./-]+:(?!latest)[\\w.-]*\\d[\\w.-]*(@sha256:[0-9a-f]{64})?(\\s+AS\\s+\\w+)?",
            Pattern.CASE_INSENSITIVE);

    private static List<String> instructions() throws IOException {
        String text = Files.readString(DOCKER.resolve("Dockerfile")).replace("\\\n", " ");
        return text.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    @Test
    void baseImagesArePinnedAndTheBuildIsMultiStage() throws IOException {
        List<String> froms = instructions().stream().filter(l -> l.toUpperCase().startsWith("FROM ")).toList();

        assertThat(froms).hasSizeGreaterThanOrEqualTo(2);
        assertThat(froms).allSatisfy(from -> assertThat(from).matches(PINNED_FROM));
        assertThat(froms.get(froms.size() - 1)).contains("-jre");
    }

    @Test
    void theRuntimeRunsAsANonRootUserAndAddsNothingFromTheNetwork() throws IOException {
        List<String> lines = instructions();
        int lastFrom = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).toUpperCase().startsWith("FROM ")) {
                lastFrom = i;
            }
        }
        List<String> runtime = lines.subList(lastFrom, lines.size());
        assertThat(runtime).anySatisfy(l -> assertThat(l).matches("USER\\s+(?!0\\b|root\\b)\\S+"));
        assertThat(lines).noneMatch(l -> l.toUpperCase().matches("ADD\\s+(HTTPS?|FTP)://.*"));
        assertThat(runtime).anyMatch(l -> l.startsWith("HEALTHCHECK") && l.contains("/actuator/health/liveness"));
        assertThat(runtime).anyMatch(l -> l.startsWith("EXPOSE 8080"));
        assertThat(runtime).anyMatch(l -> l.startsWith("VOLUME") && l.contains("/data/home"));
    }

    @Test
    void layersAreCopiedLeastChangingFirstAndMemoryIsBounded() throws IOException {
        List<String> copies = instructions().stream().filter(l -> l.startsWith("COPY --from=build")).toList();

        assertThat(copies).extracting(l -> l.split("\\s+")[2])
                .containsExactly("/extracted/dependencies/", "/extracted/spring-boot-loader/",
                        "/extracted/snapshot-dependencies/", "/extracted/application/");
        // the one place of the JVM flags: the chart runs the image with them (HelmChartTest)
        assertThat(javaToolOptions()).contains("-XX:MaxRAMPercentage=35").contains(" -Xmn64m ")
                .contains("-XX:+ExitOnOutOfMemoryError").contains("-Djava.io.tmpdir=/tmp/cnn")
                .contains("-Dorg.bytedeco.javacpp.maxbytes=2000m").contains("-Dorg.bytedeco.javacpp.maxphysicalbytes=3700m");
    }

    /** The image's {@code ENV JAVA_TOOL_OPTIONS="..."}. */
    static String javaToolOptions() throws IOException {
        var matcher = Pattern.compile("ENV JAVA_TOOL_OPTIONS=\"([^\"]+)\"").matcher(Files.readString(DOCKER.resolve("Dockerfile")));
        assertThat(matcher.find()).as("ENV JAVA_TOOL_OPTIONS in the Dockerfile").isTrue();
        return matcher.group(1);
    }

    @Test
    void theBuildContextLeavesOutBuildOutputs() throws IOException {
        List<String> ignore = Files.readAllLines(Path.of(".dockerignore"));
        assertThat(ignore).contains("*", "!src/", "!pom.xml");
        assertThat(ignore).doesNotContain("!target/");
    }

    @Test
    void composeRunsTheServiceAndAPrometheusThatScrapesIt() throws IOException {
        Map<String, Object> compose = new Yaml().load(Files.readString(DOCKER.resolve("compose.yaml")));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        assertThat(services).containsKeys("cnn-lab", "prometheus");
        assertThat(String.valueOf(services.get("prometheus").get("image"))).matches(".*:v?\\d.*");
        assertThat((List<?>) services.get("cnn-lab").get("volumes")).anySatisfy(v -> assertThat(v.toString()).contains("/data/home"));

        // no keys on a container address: the switch that lets it start is there to be seen, the port stays local
        @SuppressWarnings("unchecked")
        Map<String, Object> environment = (Map<String, Object>) services.get("cnn-lab").get("environment");
        assertThat(environment).containsEntry("CNN_SECURITY_ENABLED", "false");
        assertThat(String.valueOf(services.get("cnn-lab").get("ports"))).isEqualTo("[127.0.0.1:8080:8080]");

        String prometheus = Files.readString(DOCKER.resolve("prometheus.yml"));
        assertThat(prometheus).contains("/actuator/prometheus").contains("cnn-lab:8080");
    }

    @Test
    void theImageItselfDoesNotSwitchSecurityOff() throws IOException {
        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));
        // without keys the service refuses to start beyond loopback: each deployment says which it wants
        assertThat(dockerfile.lines().filter(l -> !l.startsWith("#"))).noneMatch(l -> l.contains("CNN_SECURITY"));
        assertThat(dockerfile).contains("CNN_SECURITY_ENABLED=false");
    }
}
