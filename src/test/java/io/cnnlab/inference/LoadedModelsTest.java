package io.cnnlab.inference;

import io.cnnlab.models.ModelVersion;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A load runs outside the lock: one load per version, and loaded versions answer while another loads. */
class LoadedModelsTest {

    private static final ComputationGraph NET = ServingFixtures.network();

    private final CountDownLatch releaseSlowLoad = new CountDownLatch(1);
    private final CountDownLatch slowLoadStarted = new CountDownLatch(1);
    private final Map<String, AtomicInteger> loads = new ConcurrentHashMap<>();
    private LoadedModels models;

    /** Version 2 of every model takes until the test releases it; every other loads at once. */
    private LoadedModels models(int maxLoaded) {
        models = new LoadedModels(ServingFixtures.properties(maxLoaded, 1, Duration.ofSeconds(2)), version -> {
            loads.computeIfAbsent(version.name() + "/" + version.version(), k -> new AtomicInteger()).incrementAndGet();
            if (version.version() == 2) {
                slowLoadStarted.countDown();
                try {
                    assertThat(releaseSlowLoad.await(30, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            return NET.clone();
        });
        return models;
    }

    @AfterEach
    void close() {
        releaseSlowLoad.countDown();
        models.close();
    }

    @Test
    void aLoadedVersionAnswersWhileAnotherLoadsAndConcurrentRequestsShareOneLoad() throws Exception {
        LoadedModels models = models(4);
        ModelVersion loaded = ServingFixtures.version("cats", 1);
        ModelVersion slow = ServingFixtures.version("cats", 2);
        ModelRunner first = models.runner(loaded);

        CompletableFuture<ModelRunner> a = CompletableFuture.supplyAsync(() -> models.runner(slow));
        assertThat(slowLoadStarted.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<ModelRunner> b = CompletableFuture.supplyAsync(() -> models.runner(slow));

        // under the old global lock this call waited for the slow load and the test timed out
        ModelRunner again = CompletableFuture.supplyAsync(() -> models.runner(loaded)).get(5, TimeUnit.SECONDS);
        assertThat(again).isSameAs(first);
        assertThat(again.submit(new float[io.cnnlab.networks.InputDescription.SEED.floatsPerImage()], 1)
                .get(10, TimeUnit.SECONDS)).hasDimensions(1, 10);
        assertThat(a).isNotDone();
        assertThat(b).isNotDone();

        releaseSlowLoad.countDown();
        assertThat(a.get(30, TimeUnit.SECONDS)).isSameAs(b.get(30, TimeUnit.SECONDS));
        assertThat(loads.get("cats/2").get()).isEqualTo(1);
        assertThat(loads.get("cats/1").get()).isEqualTo(1);
        assertThat(models.loaded()).isEqualTo(2);
    }

    @Test
    void beyondTheLimitTheLeastRecentlyUsedIsUnloadedAndLoadsAgainWhenAskedFor() {
        LoadedModels models = models(1);
        releaseSlowLoad.countDown();
        ModelRunner one = models.runner(ServingFixtures.version("cats", 1));
        models.runner(ServingFixtures.version("dogs", 1));

        assertThat(models.loaded()).isEqualTo(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> one.submit(new float[1], 1))
                .isInstanceOf(ModelRunner.ClosedException.class);
        assertThat(models.runner(ServingFixtures.version("cats", 1))).isNotSameAs(one);
        assertThat(loads.get("cats/1").get()).isEqualTo(2);
    }

    @Test
    void aFailedLoadIsNotKeptAndTheNextRequestTriesAgain() {
        AtomicInteger attempts = new AtomicInteger();
        models = new LoadedModels(ServingFixtures.properties(2, 1, Duration.ofSeconds(2)), version -> {
            if (attempts.incrementAndGet() == 1) {
                throw new io.cnnlab.checkpoints.CorruptCheckpointException("file is missing");
            }
            return NET.clone();
        });
        ModelVersion version = ServingFixtures.version("cats", 1);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> models.runner(version))
                .isInstanceOf(io.cnnlab.checkpoints.CorruptCheckpointException.class);
        assertThat(models.loaded()).isZero();
        assertThat(models.runner(version)).isNotNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> models.loaded() == 1);
    }
}
