package io.cnnlab.inference;

import io.cnnlab.datasets.Cifar10;
import io.cnnlab.jobs.TestDatabase;
import io.cnnlab.models.ModelDefaultChanging;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.models.ModelVersionDeleted;
import io.cnnlab.models.ModelVersionRegistered;
import io.cnnlab.models.TestRegistries;
import io.cnnlab.networks.InputDescription;
import io.cnnlab.networks.ModelFormat;
import io.cnnlab.storage.BlobStore;
import io.cnnlab.storage.S3Server;
import io.cnnlab.storage.TestStores;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances of a cluster, each a registry, its watch and its serving (own {@code cnn.home}, own cache), sharing
 * one database and one storage: what one registers, aliases or deletes, the other serves within 5 s, having loaded
 * a new default before it switches to it; also when its PostgreSQL notifications were cut, on H2 (polling only) and
 * with the files in an S3 bucket.
 */
class ClusterServingTest {

    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final byte[] NETWORK = network();

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    private record Instance(ModelRegistry registry, LoadedModels serving, TestRegistries.Instance watched, Path cache) {

        ModelVersion register(String name) {
            return registry.register(name, "baseline", "IMPORTED", null, null, null, 123_338, Cifar10.CLASSES,
                    new ByteArrayInputStream(NETWORK));
        }

        int defaultVersion(String name) {
            return registry.models().stream().anyMatch(m -> m.name().equals(name))
                    ? registry.defaultVersion(name).version() : 0;
        }
    }

    private Instance instance(String home, BlobStore blobs, DataSource dataSource, Duration pollInterval) {
        AtomicReference<LoadedModels> serving = new AtomicReference<>();
        TestRegistries.Instance watched = TestRegistries.start(blobs, dataSource, pollInterval, event -> {
            LoadedModels models = serving.get();
            if (event instanceof ModelVersionRegistered registered) {
                models.onRegistered(registered);
            } else if (event instanceof ModelDefaultChanging changing) {
                models.onDefaultChanging(changing);
            } else if (event instanceof ModelVersionDeleted deleted) {
                models.onDeleted(deleted);
            }
        });
        Path cache = dir.resolve(home).resolve("cache");
        LoadedModels models = new LoadedModels(watched.registry(), new ModelCache(watched.registry(), cache),
                ServingFixtures.properties(4, 1, Duration.ofSeconds(2)));
        serving.set(models);
        open.add(models::close);
        open.add(watched);
        watched.registry().models(); // serving from memory from now on: only the watch brings changes in
        return new Instance(watched.registry(), models, watched, cache);
    }

    @AfterEach
    void close() throws Exception {
        java.util.Collections.reverse(open);
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
    }

    @Test
    void aVersionRegisteredOnOneInstanceIsServedByTheOtherThroughPostgresNotifications() throws Exception {
        DataSource database = TestDatabase.POSTGRESQL.dataSource();
        BlobStore storage = TestStores.directory(dir.resolve("storage"));
        Instance a = instance("a", storage, database, Duration.ofHours(1));
        // no poll within the test's time: only a notification can bring the change
        Instance b = instance("b", storage, database, Duration.ofHours(1));
        await().atMost(BOUND).until(() -> b.watched().listenerPid() != 0);

        ModelVersion v1 = a.register("cats");

        await().atMost(BOUND).until(() -> b.defaultVersion("cats") == 1);
        assertThat(b.serving().isLoaded(v1)).as("loaded before it became the default").isTrue();
        assertServes(b, v1);
    }

    @Test
    void afterItsNotificationConnectionWasKilledAnInstanceStillFollowsAnAliasMoveAndADelete() throws Exception {
        DataSource database = TestDatabase.POSTGRESQL.dataSource();
        BlobStore storage = TestStores.directory(dir.resolve("storage"));
        Instance a = instance("a", storage, database, Duration.ofSeconds(2));
        Instance b = instance("b", storage, database, Duration.ofSeconds(2));
        ModelVersion v1 = a.register("cats");
        ModelVersion v2 = a.register("cats");
        a.registry().setAlias("cats", ModelRegistry.PRODUCTION, 1);
        await().atMost(BOUND).until(() -> b.defaultVersion("cats") == 1);
        assertServes(b, v1);

        int killed = b.watched().listenerPid();
        assertThat(killed).isNotZero();
        assertThat(JdbcClient.create(database).sql("select pg_terminate_backend(?)").param(killed)
                .query(Boolean.class).single()).isTrue();
        a.registry().setAlias("cats", ModelRegistry.PRODUCTION, 2);

        await().atMost(BOUND).until(() -> b.defaultVersion("cats") == 2);
        assertThat(b.serving().isLoaded(v2)).as("loaded before it became the default").isTrue();
        assertServes(b, v2);
        await().atMost(BOUND).until(() -> b.watched().listenerPid() != 0 && b.watched().listenerPid() != killed);

        assertThat(a.serving().isLoaded(v1)).as("preloaded when it was registered").isTrue();
        a.registry().delete("cats", 1);
        assertThat(a.serving().isLoaded(v1)).as("unloaded here as soon as the delete committed").isFalse();
        await().atMost(BOUND).until(() -> !b.serving().isLoaded(v1));
        assertThat(b.registry().model("cats").versions()).extracting(ModelVersion::version).containsExactly(2);
        assertThat(b.cache().resolve("cats/v1.zip")).doesNotExist();
        assertThat(b.cache().resolve("cats/v2.zip")).exists();
    }

    @Test
    void onH2ThePollAloneBringsTheChangeIn() throws Exception {
        DataSource database = TestDatabase.H2.dataSource();
        BlobStore storage = TestStores.directory(dir.resolve("storage"));
        Instance a = instance("a", storage, database, Duration.ofSeconds(2));
        Instance b = instance("b", storage, database, Duration.ofSeconds(2));
        assertThat(b.watched().listenerPid()).isZero();

        ModelVersion v1 = a.register("cats");

        await().atMost(BOUND).until(() -> b.defaultVersion("cats") == 1);
        assertThat(b.serving().isLoaded(v1)).isTrue();
        assertServes(b, v1);
    }

    @Test
    void aVersionRegisteredWithS3StorageIsServedByTheOtherInstanceFromTheSameBucket() throws Exception {
        DataSource database = TestDatabase.POSTGRESQL.dataSource();
        S3Server s3 = S3Server.get();
        String bucket = s3.createBucket("models-" + UUID.randomUUID());
        Instance a = instance("a", TestStores.bucket(s3, bucket, dir.resolve("a/tmp")), database, Duration.ofSeconds(2));
        Instance b = instance("b", TestStores.bucket(s3, bucket, dir.resolve("b/tmp")), database, Duration.ofSeconds(2));

        ModelVersion v1 = a.register("cats");

        await().atMost(BOUND).until(() -> b.defaultVersion("cats") == 1);
        assertThat(b.serving().isLoaded(v1)).isTrue();
        assertServes(b, v1);
        assertThat(b.cache().resolve("cats/v1.zip")).exists();
        assertThat(TestStores.bucket(s3, bucket, dir.resolve("c/tmp")).list("models/")).containsExactly("models/cats/v1.zip");
    }

    private static void assertServes(Instance instance, ModelVersion version) throws Exception {
        float[] image = new float[InputDescription.SEED.floatsPerImage()];
        assertThat(instance.serving().runner(version).submit(image, 1).get(30, TimeUnit.SECONDS)).hasDimensions(1, 10);
    }

    private static byte[] network() {
        ComputationGraph net = ServingFixtures.network();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ModelFormat.write(net, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
