package io.cnnlab.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static io.cnnlab.deploy.Manifests.at;
import static io.cnnlab.deploy.Manifests.container;
import static io.cnnlab.deploy.Manifests.env;
import static io.cnnlab.deploy.Manifests.envEntry;
import static io.cnnlab.deploy.Manifests.envNames;
import static io.cnnlab.deploy.Manifests.find;
import static io.cnnlab.deploy.Manifests.kinds;
import static io.cnnlab.deploy.Manifests.list;
import static io.cnnlab.deploy.Manifests.map;
import static io.cnnlab.deploy.Manifests.mounts;
import static io.cnnlab.deploy.Manifests.render;
import static io.cnnlab.deploy.Manifests.volume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertAll;

/** The chart's api and worker roles on a shared database and storage, and the single instance that stays the default. */
class ChartRolesTest {

    private static final Path CHART = Path.of("helm", "cnn-lab");
    private static final String PG = "jdbc:postgresql://postgresql:5432/cnnlab";

    /**
     * Every variable the chart may set: the image's own, and the service's configuration keys as Spring binds them
     * from the environment (dots to underscores, dashes dropped): a misspelt one would be silently ignored.
     */
    static final Set<String> KNOWN_ENV = Set.of("SPRING_CONFIG_ADDITIONAL_LOCATION", "CNN_HOME", "CNN_DATA_DIR",
            "JDK_JAVA_OPTIONS", "CNN_INSTANCEID", "CNN_TRAINING_WORKERS", "CNN_TRAINING_LEASEDURATION",
            "SPRING_DATASOURCE_URL", "SPRING_DATASOURCE_USERNAME", "SPRING_DATASOURCE_PASSWORD",
            "CNN_STORAGE_TYPE", "CNN_STORAGE_ROOT", "CNN_STORAGE_S3_ENDPOINT", "CNN_STORAGE_S3_REGION",
            "CNN_STORAGE_S3_BUCKET", "CNN_STORAGE_S3_PATHSTYLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");

    private static TemplateCommand template() {
        return new Helm(CHART).template().withName("demo");
    }

    private static TemplateCommand cluster() {
        return template().withValuesFile(CHART.resolve("values-cluster.yaml"));
    }

    @Test
    void theClusterValuesRenderAnApiAndAWorkerDeploymentOnTheSharedDatabaseAndClaim() {
        List<Map<String, Object>> manifests = render(cluster().set("leaseDuration", "20s"));

        assertThat(kinds(manifests)).contains("PodDisruptionBudget", "ServiceMonitor")
                .doesNotContain("PersistentVolumeClaim", "HorizontalPodAutoscaler");
        assertThat(kinds(manifests).stream().filter("Deployment"::equals)).hasSize(2);

        Map<String, Object> api = find(manifests, "Deployment", "demo-cnn-lab-api");
        assertThat(at(api, "spec.replicas")).isEqualTo(2);
        assertThat(at(api, "spec.strategy.type")).isEqualTo("RollingUpdate");
        assertThat(at(api, "spec.strategy.rollingUpdate.maxSurge")).isEqualTo(1);
        assertThat(at(api, "spec.strategy.rollingUpdate.maxUnavailable")).isEqualTo(0);
        assertThat(env(container(api), "CNN_TRAINING_WORKERS")).isEqualTo("0");
        assertThat(at(api, "spec.template.metadata.labels.app\\.kubernetes\\.io/component")).isEqualTo("api");

        Map<String, Object> worker = find(manifests, "Deployment", "demo-cnn-lab-worker");
        assertThat(at(worker, "spec.replicas")).isEqualTo(2);
        assertThat(at(worker, "spec.template.spec.terminationGracePeriodSeconds")).isEqualTo(180);
        assertThat(env(container(worker), "CNN_TRAINING_WORKERS")).isEqualTo("1");
        assertThat(at(worker, "spec.template.metadata.labels.app\\.kubernetes\\.io/component")).isEqualTo("worker");

        for (Map<String, Object> deployment : List.of(api, worker)) {
            Map<String, Object> container = container(deployment);
            assertAll(String.valueOf(at(deployment, "metadata.name")),
                    () -> assertThat(KNOWN_ENV).containsAll(envNames(container)),
                    () -> assertThat(at(envEntry(container, "CNN_INSTANCEID"), "valueFrom.fieldRef.fieldPath")).isEqualTo("metadata.name"),
                    () -> assertThat(env(container, "CNN_TRAINING_LEASEDURATION")).isEqualTo("20s"),
                    () -> assertThat(env(container, "SPRING_DATASOURCE_URL")).isEqualTo(PG),
                    () -> assertThat(at(envEntry(container, "SPRING_DATASOURCE_USERNAME"), "valueFrom.secretKeyRef")).isEqualTo(Map.of("name", "cnn-lab-db", "key", "username")),
                    () -> assertThat(at(envEntry(container, "SPRING_DATASOURCE_PASSWORD"), "valueFrom.secretKeyRef")).isEqualTo(Map.of("name", "cnn-lab-db", "key", "password")),
                    () -> assertThat(env(container, "CNN_STORAGE_TYPE")).isEqualTo("filesystem"),
                    () -> assertThat(env(container, "CNN_STORAGE_ROOT")).isEqualTo("/data/storage"),
                    () -> assertThat(mounts(container)).containsEntry("storage", "/data/storage").containsEntry("home", "/data/home"),
                    () -> assertThat(at(volume(deployment, "storage"), "persistentVolumeClaim.claimName")).isEqualTo("cnn-lab-shared"),
                    // each pod's own local state; nothing shared lives there
                    () -> assertThat(at(volume(deployment, "home"), "emptyDir.sizeLimit")).isEqualTo("4Gi"));
        }

        Map<String, Object> pdb = find(manifests, "PodDisruptionBudget");
        assertThat(at(pdb, "spec.maxUnavailable")).isEqualTo(1);
        assertThat(map(pdb, "spec.selector.matchLabels")).isEqualTo(map(api, "spec.selector.matchLabels"));

        // HTTP goes to the api pods only; the workers' headless Service exists for Prometheus
        Map<String, Object> service = find(manifests, "Service", "demo-cnn-lab");
        assertThat(map(service, "spec.selector")).isEqualTo(map(api, "spec.selector.matchLabels"));
        Map<String, Object> workerService = find(manifests, "Service", "demo-cnn-lab-worker");
        assertThat(at(workerService, "spec.clusterIP")).isEqualTo("None");
        assertThat(map(workerService, "spec.selector")).isEqualTo(map(worker, "spec.selector.matchLabels"));
        Map<String, Object> monitor = find(manifests, "ServiceMonitor");
        Map<String, Object> monitored = map(monitor, "spec.selector.matchLabels");
        for (Map<String, Object> s : List.of(service, workerService)) {
            assertThat(map(s, "metadata.labels")).containsAllEntriesOf(monitored);
            assertThat(list(s, "spec.ports")).extracting(p -> p.get("name")).contains(at(monitor, "spec.endpoints[0].port"));
        }
        // the api and the worker selectors do not overlap: neither Deployment adopts the other's pods
        assertThat(map(worker, "spec.template.metadata.labels")).isNotEqualTo(map(api, "spec.template.metadata.labels"));
    }

    @Test
    void s3StorageReachesEveryPodWithItsCredentialsFromTheSecretAndNoVolume() {
        List<Map<String, Object>> manifests = render(cluster()
                .set("storage.type", "s3")
                .set("storage.s3.bucket", "cnn-lab")
                .set("storage.s3.endpoint", "http://minio.storage:9000")
                .set("storage.s3.existingSecret", "cnn-lab-s3"));

        for (String name : List.of("demo-cnn-lab-api", "demo-cnn-lab-worker")) {
            Map<String, Object> deployment = find(manifests, "Deployment", name);
            Map<String, Object> container = container(deployment);
            assertAll(name,
                    () -> assertThat(KNOWN_ENV).containsAll(envNames(container)),
                    () -> assertThat(env(container, "CNN_STORAGE_TYPE")).isEqualTo("s3"),
                    () -> assertThat(env(container, "CNN_STORAGE_S3_BUCKET")).isEqualTo("cnn-lab"),
                    () -> assertThat(env(container, "CNN_STORAGE_S3_ENDPOINT")).isEqualTo("http://minio.storage:9000"),
                    () -> assertThat(env(container, "CNN_STORAGE_S3_REGION")).isEqualTo("us-east-1"),
                    () -> assertThat(env(container, "CNN_STORAGE_S3_PATHSTYLE")).isEqualTo("true"),
                    () -> assertThat(at(envEntry(container, "AWS_ACCESS_KEY_ID"), "valueFrom.secretKeyRef")).isEqualTo(Map.of("name", "cnn-lab-s3", "key", "AWS_ACCESS_KEY_ID")),
                    () -> assertThat(at(envEntry(container, "AWS_SECRET_ACCESS_KEY"), "valueFrom.secretKeyRef")).isEqualTo(Map.of("name", "cnn-lab-s3", "key", "AWS_SECRET_ACCESS_KEY")),
                    () -> assertThat(envNames(container)).doesNotContain("CNN_STORAGE_ROOT"),
                    () -> assertThat(mounts(container)).doesNotContainKey("storage"));
        }
    }

    @Test
    void theRolesTakeTheirOwnReplicasGraceResourcesAndTrainingThreads() {
        List<Map<String, Object>> manifests = render(cluster()
                .set("api.replicas", "3")
                .set("worker.replicas", "5")
                .set("worker.trainingWorkers", "2")
                .set("worker.terminationGracePeriodSeconds", "600")
                .set("worker.resources.limits.memory", "8Gi"));

        Map<String, Object> api = find(manifests, "Deployment", "demo-cnn-lab-api");
        Map<String, Object> worker = find(manifests, "Deployment", "demo-cnn-lab-worker");
        assertThat(at(api, "spec.replicas")).isEqualTo(3);
        assertThat(at(worker, "spec.replicas")).isEqualTo(5);
        assertThat(env(container(worker), "CNN_TRAINING_WORKERS")).isEqualTo("2");
        // the api never trains, whatever the workers do
        assertThat(env(container(api), "CNN_TRAINING_WORKERS")).isEqualTo("0");
        assertThat(at(worker, "spec.template.spec.terminationGracePeriodSeconds")).isEqualTo(600);
        assertThat(at(api, "spec.template.spec.terminationGracePeriodSeconds")).isEqualTo(120);
        assertThat(at(container(worker), "resources.limits.memory")).isEqualTo("8Gi");
        assertThat(at(container(api), "resources.limits.memory")).isEqualTo("4Gi");
    }

    @Test
    void autoscalingHandsTheApiReplicasToAHorizontalPodAutoscaler() {
        List<Map<String, Object>> manifests = render(cluster()
                .set("api.autoscaling.enabled", "true")
                .set("api.autoscaling.minReplicas", "2")
                .set("api.autoscaling.maxReplicas", "8"));

        Map<String, Object> hpa = find(manifests, "HorizontalPodAutoscaler");
        assertThat(at(hpa, "spec.scaleTargetRef.kind")).isEqualTo("Deployment");
        assertThat(at(hpa, "spec.scaleTargetRef.name")).isEqualTo("demo-cnn-lab-api");
        assertThat(at(hpa, "spec.minReplicas")).isEqualTo(2);
        assertThat(at(hpa, "spec.maxReplicas")).isEqualTo(8);
        assertThat(at(hpa, "spec.metrics[0].resource.target.averageUtilization")).isEqualTo(70);
        // a replicas field would fight the autoscaler on every upgrade
        assertThat(map(find(manifests, "Deployment", "demo-cnn-lab-api"), "spec")).doesNotContainKey("replicas");
        assertThat(at(find(manifests, "Deployment", "demo-cnn-lab-worker"), "spec.replicas")).isEqualTo(2);
    }

    @Test
    void theDefaultsRenderTheSingleInstanceAsBeforeRoles() {
        List<Map<String, Object>> manifests = render(template());

        assertThat(kinds(manifests).stream().filter("Deployment"::equals)).hasSize(1);
        assertThat(kinds(manifests)).contains("PersistentVolumeClaim")
                .doesNotContain("PodDisruptionBudget", "HorizontalPodAutoscaler");
        assertThat(kinds(manifests).stream().filter("Service"::equals)).hasSize(1);
        Map<String, Object> deployment = find(manifests, "Deployment", "demo-cnn-lab");
        assertThat(at(deployment, "spec.replicas")).isEqualTo(1);
        assertThat(at(deployment, "spec.strategy.type")).isEqualTo("Recreate");
        assertThat(at(deployment, "spec.template.spec.terminationGracePeriodSeconds")).isEqualTo(120);
        // the selector of an existing release cannot change: still the chart's two labels, no component
        assertThat(map(deployment, "spec.selector.matchLabels"))
                .isEqualTo(Map.of("app.kubernetes.io/name", "cnn-lab", "app.kubernetes.io/instance", "demo"));
        assertThat(map(find(manifests, "Service"), "spec.selector")).isEqualTo(map(deployment, "spec.selector.matchLabels"));
        Map<String, Object> container = container(deployment);
        // H2 and storage under the home volume: the service's own defaults, nothing said
        assertThat(envNames(container)).containsExactly("SPRING_CONFIG_ADDITIONAL_LOCATION", "CNN_HOME", "CNN_DATA_DIR", "CNN_INSTANCEID");
        assertThat(at(volume(deployment, "home"), "persistentVolumeClaim.claimName")).isEqualTo("demo-cnn-lab-home");
        assertThat(mounts(container)).doesNotContainKey("storage");
    }

    @Test
    void theSingleInstanceMayUsePostgresqlAndS3Too() {
        List<Map<String, Object>> manifests = render(template()
                .set("database.url", PG)
                .set("database.existingSecret", "cnn-lab-db")
                .set("storage.type", "s3")
                .set("storage.s3.bucket", "cnn-lab"));

        Map<String, Object> container = container(find(manifests, "Deployment", "demo-cnn-lab"));
        assertThat(env(container, "SPRING_DATASOURCE_URL")).isEqualTo(PG);
        assertThat(env(container, "CNN_STORAGE_TYPE")).isEqualTo("s3");
        // both roles in one pod: cnn.training.workers stays the configuration's (config.cnn.training.workers)
        assertThat(envNames(container)).doesNotContain("CNN_TRAINING_WORKERS", "AWS_ACCESS_KEY_ID");
        assertThat(kinds(manifests).stream().filter("Deployment"::equals)).hasSize(1);
    }

    static Stream<Arguments> refused() {
        String[] pg = {"database.url", PG, "database.existingSecret", "cnn-lab-db"};
        String[] rwo = {"storage.filesystem.existingClaim", "shared", "storage.filesystem.accessMode", "ReadWriteOnce"};
        return Stream.of(
                // H2 is one pod's file: the roles need the shared database, even with a single api replica
                Arguments.of("two api replicas on H2", "/database/url",
                        new String[]{"roles.enabled", "true", "api.replicas", "2", "storage.filesystem.existingClaim", "shared"}),
                Arguments.of("two workers on H2", "/database/url",
                        new String[]{"roles.enabled", "true", "worker.replicas", "2", "storage.filesystem.existingClaim", "shared"}),
                Arguments.of("two single instances", "/replicaCount", new String[]{"replicaCount", "2"}),
                Arguments.of("two single instances even on PostgreSQL", "/replicaCount",
                        concat(pg, "replicaCount", "2")),
                Arguments.of("no storage shared by the roles", "/storage/filesystem/existingClaim",
                        concat(pg, "roles.enabled", "true")),
                Arguments.of("a ReadWriteOnce claim shared by api and workers", "/storage/filesystem/accessMode",
                        concat(concat(pg, rwo), "roles.enabled", "true")),
                Arguments.of("a ReadWriteOnce claim and two api pods", "/storage/filesystem/accessMode",
                        concat(concat(pg, rwo), "roles.enabled", "true", "worker.replicas", "0", "api.replicas", "2")),
                Arguments.of("a ReadWriteOnce claim and an api autoscaler", "/storage/filesystem/accessMode",
                        concat(concat(pg, rwo), "roles.enabled", "true", "worker.replicas", "0", "api.replicas", "1",
                                "api.autoscaling.enabled", "true")),
                Arguments.of("S3 without a bucket", "/storage/s3/bucket", new String[]{"storage.type", "s3"}),
                Arguments.of("S3 without a bucket in roles", "/storage/s3/bucket",
                        concat(pg, "roles.enabled", "true", "storage.type", "s3")),
                Arguments.of("a database without its Secret", "/database/existingSecret",
                        new String[]{"database.url", PG}),
                Arguments.of("an H2 server as the shared database", "/database/url",
                        new String[]{"database.url", "jdbc:h2:tcp://h2:9092/cnn", "database.existingSecret", "db"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void theSchemaRefuses(String what, String path, String[] values) {
        TemplateCommand command = template();
        for (int i = 0; i < values.length; i += 2) {
            command = command.set(values[i], values[i + 1]);
        }
        TemplateCommand refused = command;
        assertThatThrownBy(refused::call).as(what).hasMessageContaining("at '" + path + "'");
    }

    /** The refusals are about more than one pod: one api pod alone may have a ReadWriteOnce claim. */
    @Test
    void aReadWriteOnceClaimServesASinglePod() {
        List<Map<String, Object>> manifests = render(cluster()
                .set("storage.filesystem.accessMode", "ReadWriteOnce")
                .set("api.replicas", "1")
                .set("worker.replicas", "0"));

        assertThat(at(find(manifests, "Deployment", "demo-cnn-lab-api"), "spec.replicas")).isEqualTo(1);
    }

    private static String[] concat(String[] head, String... tail) {
        return Stream.concat(Stream.of(head), Stream.of(tail)).toArray(String[]::new);
    }
}
