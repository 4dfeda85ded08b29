package io.cnnlab.deploy;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.cnnlab.deploy.Manifests.at;
import static io.cnnlab.deploy.Manifests.map;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker/compose.cluster.yaml, read as Compose reads it (YAML with merge keys): no Docker here to run it, so the
 * services, their wiring and the environment the service binds are checked instead.
 */
class ComposeClusterTest {

    private static final Path DOCKER = Path.of("docker");

    /** The service's own keys as Spring binds them from the environment, and the AWS SDK's credentials. */
    private static final Set<String> SERVICE_ENV = Set.of("CNN_INSTANCEID", "CNN_DATA_DIR", "CNN_SECURITY_ENABLED", "CNN_TRAINING_WORKERS",
            "CNN_TRAINING_LEASEDURATION", "SPRING_DATASOURCE_URL", "SPRING_DATASOURCE_USERNAME", "SPRING_DATASOURCE_PASSWORD",
            "CNN_STORAGE_TYPE", "CNN_STORAGE_S3_ENDPOINT", "CNN_STORAGE_S3_REGION", "CNN_STORAGE_S3_BUCKET",
            "CNN_STORAGE_S3_PATHSTYLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");

    private static Map<String, Object> load(String file) throws IOException {
        return new Yaml().load(Files.readString(DOCKER.resolve(file)));
    }

    @Test
    void oneApiAndTwoWorkersShareThePostgresqlDatabaseAndTheMinioBucket() throws IOException {
        Map<String, Object> services = map(load("compose.cluster.yaml"), "services");
        assertThat(services.keySet()).containsExactlyInAnyOrder(
                "postgres", "minio", "create-bucket", "api", "worker-1", "worker-2", "prometheus");

        Map<String, Object> postgres = map(services, "postgres");
        Map<String, Object> minio = map(services, "minio");
        for (String name : List.of("api", "worker-1", "worker-2")) {
            Map<String, Object> instance = map(services, name);
            Map<String, Object> env = map(instance, "environment");
            assertThat(SERVICE_ENV).as(name).containsAll(env.keySet());
            assertThat(instance.get("image")).as(name).isEqualTo("cnn-lab:0.1.0");
            // one name per live process: the leases tell the instances apart by it
            assertThat(env.get("CNN_INSTANCEID")).isEqualTo(name);
            assertThat(env.get("SPRING_DATASOURCE_URL")).as(name).isEqualTo("jdbc:postgresql://postgres:5432/"
                    + at(postgres, "environment.POSTGRES_DB"));
            assertThat(env.get("SPRING_DATASOURCE_USERNAME")).isEqualTo(at(postgres, "environment.POSTGRES_USER"));
            assertThat(env.get("SPRING_DATASOURCE_PASSWORD")).isEqualTo(at(postgres, "environment.POSTGRES_PASSWORD"));
            assertThat(env.get("CNN_STORAGE_TYPE")).isEqualTo("s3");
            assertThat(env.get("CNN_STORAGE_S3_ENDPOINT")).isEqualTo("http://minio:9000");
            assertThat(env.get("CNN_STORAGE_S3_BUCKET")).isEqualTo("cnn-lab");
            assertThat(env.get("CNN_STORAGE_S3_PATHSTYLE")).isEqualTo("true");
            assertThat(env.get("AWS_ACCESS_KEY_ID")).isEqualTo(at(minio, "environment.MINIO_ROOT_USER"));
            assertThat(env.get("AWS_SECRET_ACCESS_KEY")).isEqualTo(at(minio, "environment.MINIO_ROOT_PASSWORD"));
            // no instance starts before the database answers and the bucket exists
            assertThat(at(instance, "depends_on.postgres.condition")).isEqualTo("service_healthy");
            assertThat(at(instance, "depends_on.create-bucket.condition")).isEqualTo("service_completed_successfully");
            // each keeps its own home: local state only
            assertThat(strings(instance.get("volumes"))).contains(name + "-home:/data/home");
        }
        assertThat(at(services, "api.environment.CNN_TRAINING_WORKERS")).isEqualTo("0");
        assertThat(at(services, "worker-1.environment.CNN_TRAINING_WORKERS")).isEqualTo("1");
        assertThat(at(services, "worker-2.environment.CNN_TRAINING_WORKERS")).isEqualTo("1");
        // only the api takes HTTP from the host
        assertThat(strings(at(services, "api.ports"))).containsExactly("127.0.0.1:8080:8080");
        assertThat(map(services, "worker-1")).doesNotContainKey("ports");
        assertThat(map(services, "worker-2")).doesNotContainKey("ports");

        // the bucket the instances use is the one the one-shot container makes
        Map<String, Object> createBucket = map(services, "create-bucket");
        assertThat(String.valueOf(createBucket.get("command"))).contains("mc mb --ignore-existing trial/cnn-lab")
                .contains((String) at(minio, "environment.MINIO_ROOT_USER"));
        assertThat(createBucket.get("restart")).isEqualTo("no");
        assertThat(at(createBucket, "depends_on.minio.condition")).isEqualTo("service_healthy");
    }

    @Test
    void prometheusScrapesTheApiAndBothWorkers() throws IOException {
        Map<String, Object> compose = load("compose.cluster.yaml");
        String config = strings(at(compose, "services.prometheus.volumes")).stream()
                .filter(v -> v.endsWith(":/etc/prometheus/prometheus.yml:ro")).findFirst().orElseThrow();
        assertThat(config).startsWith("./prometheus.cluster.yml:");

        Map<String, Object> prometheus = load("prometheus.cluster.yml");
        Map<String, Object> job = map(prometheus, "scrape_configs[0]");
        assertThat(job.get("metrics_path")).isEqualTo("/actuator/prometheus");
        List<Map<String, Object>> staticConfigs = Manifests.list(job, "static_configs");
        assertThat(staticConfigs.stream().flatMap(c -> strings(c.get("targets")).stream()).toList())
                .containsExactlyInAnyOrder("api:8080", "worker-1:8080", "worker-2:8080");
    }

    private static List<String> strings(Object list) {
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }
}
