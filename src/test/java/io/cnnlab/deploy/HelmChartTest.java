package io.cnnlab.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.cnnlab.deploy.Manifests.at;
import static io.cnnlab.deploy.Manifests.container;
import static io.cnnlab.deploy.Manifests.env;
import static io.cnnlab.deploy.Manifests.envNames;
import static io.cnnlab.deploy.Manifests.find;
import static io.cnnlab.deploy.Manifests.kinds;
import static io.cnnlab.deploy.Manifests.list;
import static io.cnnlab.deploy.Manifests.map;
import static io.cnnlab.deploy.Manifests.mounts;
import static io.cnnlab.deploy.Manifests.render;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The chart through the real Helm engine (helm-java bundles Helm's library): lint, then render and read back. */
class HelmChartTest {

    private static final Path CHART = Path.of("helm", "cnn-lab");

    @Test
    void lintIsCleanInStrictMode() {
        LintResult lint = new Helm(CHART).lint().strict().call();

        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void defaultsRenderAHardenedDeploymentWithProbesLimitsAndVolumes() {
        List<Map<String, Object>> manifests = render(new Helm(CHART).template().withName("demo"));

        assertThat(kinds(manifests)).contains("Deployment", "Service", "ConfigMap", "PersistentVolumeClaim", "ServiceAccount")
                .doesNotContain("ServiceMonitor", "Ingress");
        Map<String, Object> deployment = find(manifests, "Deployment");
        assertThat(at(deployment, "spec.strategy.type")).isEqualTo("Recreate");
        Map<String, Object> pod = map(deployment, "spec.template.spec");
        assertThat(at(pod, "securityContext.runAsNonRoot")).isEqualTo(true);
        assertThat(at(pod, "securityContext.seccompProfile.type")).isEqualTo("RuntimeDefault");
        assertThat(pod.get("automountServiceAccountToken")).isEqualTo(false);
        Map<String, Object> container = container(deployment);
        assertThat(at(container, "livenessProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
        assertThat(at(container, "readinessProbe.httpGet.path")).isEqualTo("/actuator/health/readiness");
        assertThat(at(container, "startupProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
        assertThat(at(container, "resources.limits.memory")).isEqualTo("4Gi");
        assertThat(at(container, "securityContext.readOnlyRootFilesystem")).isEqualTo(true);
        assertThat(at(container, "securityContext.allowPrivilegeEscalation")).isEqualTo(false);
        assertThat(String.valueOf(at(container, "securityContext.capabilities.drop"))).isEqualTo("[ALL]");
        // the JVM flags are the image's (docker/Dockerfile): the chart neither repeats nor replaces them by default
        assertThat(envNames(container)).doesNotContain("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");
        assertThat(mounts(container)).containsEntry("home", "/data/home").containsEntry("tmp", "/tmp/cnn")
                .containsEntry("config", "/config").doesNotContainKey("data");
        assertThat(at(find(manifests, "PersistentVolumeClaim"), "spec.resources.requests.storage")).isEqualTo("10Gi");
        String applicationYaml = (String) at(find(manifests, "ConfigMap"), "data.application\\.yaml");
        Map<String, Object> config = new Yaml().load(applicationYaml);
        // nor the service's configuration defaults (the property records hold them), only what must be said
        assertThat(((Map<?, ?>) config.get("cnn")).keySet().toString()).isEqualTo("[security]");
        // the pod listens beyond loopback: without keys the service starts only when told, visibly, to run open
        assertThat(at(config, "cnn.security.enabled")).isEqualTo(false);
    }

    @Test
    void keysSetInTheValuesReachTheServiceAndTheNotesSayWhatOpenMeans() throws Exception {
        String digest = "a".repeat(64);
        List<Map<String, Object>> manifests = render(new Helm(CHART).template().withName("keys")
                .set("config.cnn.security.keys[0].name", "ci")
                .set("config.cnn.security.keys[0].sha256", digest)
                .set("config.cnn.security.keys[0].roles[0]", "trainer"));
        Map<String, Object> config = new Yaml().load((String) at(find(manifests, "ConfigMap"), "data.application\\.yaml"));
        assertThat(at(config, "cnn.security.keys[0].name")).isEqualTo("ci");
        assertThat(at(config, "cnn.security.keys[0].sha256")).isEqualTo(digest);

        String notes = java.nio.file.Files.readString(CHART.resolve("templates").resolve("NOTES.txt"));
        assertThat(notes).contains("security is OFF").contains("config.cnn.security.keys");
    }

    @Test
    void nonDefaultValuesAddMonitoringIngressAndADataVolumeAndDropWhatIsSwitchedOff() {
        List<Map<String, Object>> manifests = render(new Helm(CHART).template().withName("prod")
                .set("serviceMonitor.enabled", "true")
                .set("serviceMonitor.bearerTokenSecret.name", "cnn-lab-metrics")
                .set("ingress.enabled", "true")
                .set("ingress.hosts[0].host", "cnn.example.com")
                .set("ingress.hosts[0].paths[0].path", "/")
                .set("ingress.hosts[0].paths[0].pathType", "Prefix")
                .set("persistence.data.enabled", "true")
                .set("persistence.data.existingClaim", "cifar10")
                .set("persistence.home.existingClaim", "cnn-state")
                .set("resources.limits.memory", "8Gi")
                .set("jvm.options", "-Dorg.bytedeco.javacpp.maxbytes=5g -XX:NewSize=32m -XX:MaxNewSize=1g")
                .set("config.cnn.training.workers", "2")
                .set("probes.liveness.enabled", "false"));

        assertThat(kinds(manifests)).contains("ServiceMonitor", "Ingress").doesNotContain("PersistentVolumeClaim");
        assertThat(at(find(manifests, "ServiceMonitor"), "spec.endpoints[0].path")).isEqualTo("/actuator/prometheus");
        // with API keys on, Prometheus scrapes with a metrics key from a Secret
        assertThat(at(find(manifests, "ServiceMonitor"), "spec.endpoints[0].authorization.credentials.name")).isEqualTo("cnn-lab-metrics");
        assertThat(at(find(manifests, "ServiceMonitor"), "spec.endpoints[0].authorization.credentials.key")).isEqualTo("token");
        assertThat(at(find(manifests, "Ingress"), "spec.rules[0].host")).isEqualTo("cnn.example.com");
        Map<String, Object> deployment = find(manifests, "Deployment");
        Map<String, Object> container = container(deployment);
        assertThat(container).doesNotContainKey("livenessProbe").containsKey("readinessProbe");
        assertThat(at(container, "resources.limits.memory")).isEqualTo("8Gi");
        assertThat(envNames(container)).doesNotContain("JAVA_TOOL_OPTIONS");
        assertThat(env(container, "JDK_JAVA_OPTIONS")).isEqualTo("-Dorg.bytedeco.javacpp.maxbytes=5g -XX:NewSize=32m -XX:MaxNewSize=1g");
        Map<String, Object> config = new Yaml().load((String) at(find(manifests, "ConfigMap"), "data.application\\.yaml"));
        assertThat(at(config, "cnn.training.workers")).isEqualTo(2);
        assertThat(env(container, "CNN_DATA_DIR")).isEqualTo("/data/cifar-10");
        assertThat(mounts(container)).containsEntry("data", "/data/cifar-10");
        List<Map<String, Object>> volumes = list(deployment, "spec.template.spec.volumes");
        assertThat(volumes).anySatisfy(v -> {
            assertThat(v.get("name")).isEqualTo("home");
            assertThat(at(v, "persistentVolumeClaim.claimName")).isEqualTo("cnn-state");
        });
    }

    /** The image's options, then the chart's: the JVM reads JDK_JAVA_OPTIONS after JAVA_TOOL_OPTIONS, the last flag wins. */
    @Test
    void theMemoryLimitCoversHeapPlusOffHeapPlusNatives() throws java.io.IOException {
        String image = DockerfileTest.javaToolOptions();
        String[][] cases = {{"4Gi", ""}, {"8Gi", ""}, {"8Gi", "-Dorg.bytedeco.javacpp.maxbytes=4g -Dorg.bytedeco.javacpp.maxphysicalbytes=7600m"}};
        for (String[] c : cases) {
            String limit = c[0];
            Map<String, Object> container = container(find(render(new Helm(CHART).template().withName("m")
                    .set("resources.limits.memory", limit).set("jvm.options", c[1])), "Deployment"));
            String options = image + (envNames(container).contains("JDK_JAVA_OPTIONS") ? " " + env(container, "JDK_JAVA_OPTIONS") : "");
            long limitBytes = bytes(String.valueOf(at(container, "resources.limits.memory")));
            double heapShare = Double.parseDouble(option(options, "-XX:MaxRAMPercentage=")) / 100;
            long offHeap = bytes(option(options, "-Dorg.bytedeco.javacpp.maxbytes="));
            long nativesAndThreads = 512L << 20;
            assertThat((long) (heapShare * limitBytes) + offHeap + nativesAndThreads).as("with a %s limit", limit)
                    .isLessThanOrEqualTo(limitBytes);
        }
    }

    private static String option(String options, String prefix) {
        int start = options.lastIndexOf(prefix) + prefix.length();
        int end = options.indexOf(' ', start);
        return options.substring(start, end < 0 ? options.length() : end).trim();
    }

    /** Kubernetes (Gi, Mi) and JVM/JavaCPP (g, m) sizes in bytes. */
    private static long bytes(String size) {
        var m = java.util.regex.Pattern.compile("(\\d+)([KMGT]i?|[kmgt])?").matcher(size.trim());
        assertThat(m.matches()).as(size).isTrue();
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).substring(0, 1).toLowerCase();
        return switch (unit) {
            case "k" -> n << 10;
            case "m" -> n << 20;
            case "g" -> n << 30;
            case "t" -> n << 40;
            default -> n;
        };
    }

    @Test
    void theSchemaRefusesALatestTagAndASecondReplica() {
        assertThatThrownBy(() -> new Helm(CHART).template().withName("x").set("image.tag", "latest").call())
                .hasMessageContaining("/image/tag");
        assertThatThrownBy(() -> new Helm(CHART).template().withName("x").set("replicaCount", "2").call())
                .hasMessageContaining("/replicaCount");
    }
}
