package io.cnnlab.inference;

import io.cnnlab.checkpoints.CorruptCheckpointException;
import io.cnnlab.models.ModelDefaultChanging;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.models.ModelVersionDeleted;
import io.cnnlab.models.ModelVersionRegistered;
import io.cnnlab.networks.InputDescription;
import io.cnnlab.networks.ModelFormat;
import jakarta.annotation.PreDestroy;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Model versions kept in memory, at most {@code cnn.inference.max-loaded-models} (least recently used goes first).
 * A file comes from the local {@link ModelCache} and is checked against its recorded sha256 before DL4J reads it.
 * A version deleted (here or on another instance) is unloaded.
 *
 * <p>A load (hashing and reading a file of up to hundreds of megabytes) runs outside the lock: the lock only hands
 * out one future per version, so concurrent requests for a version being loaded wait for that one load, and requests
 * for loaded versions never wait on anyone's load.
 */
@Component
class LoadedModels {

    private static final Logger log = LoggerFactory.getLogger(LoadedModels.class);

    private final ModelRegistry registry;
    private final ModelCache cache;
    private final InferenceProperties properties;
    private final Function<ModelVersion, ComputationGraph> loader;
    /** Access-ordered: the first entry is the least recently used. Guarded by {@code this}. */
    private final Map<String, CompletableFuture<ModelRunner>> runners = new LinkedHashMap<>(16, 0.75f, true);
    private volatile IntConsumer batchObserver = images -> { };
    private volatile Runnable loadObserver = () -> { };

    @Autowired
    LoadedModels(ModelRegistry registry, ModelCache cache, InferenceProperties properties) {
        this.registry = registry;
        this.cache = cache;
        this.properties = properties;
        this.loader = this::load;
    }

    /** With a loader of the test's choosing (one that takes its time). */
    LoadedModels(InferenceProperties properties, Function<ModelVersion, ComputationGraph> loader) {
        this.registry = null;
        this.cache = null;
        this.properties = properties;
        this.loader = loader;
    }

    ModelRunner runner(ModelVersion version) {
        String key = key(version);
        CompletableFuture<ModelRunner> future;
        boolean mine = false;
        synchronized (this) {
            future = runners.get(key);
            if (future == null) {
                future = new CompletableFuture<>();
                runners.put(key, future);
                mine = true;
            }
        }
        if (mine) {
            try {
                ModelRunner runner = new ModelRunner(key, loader.apply(version), InputDescription.SEED.networkShape(),
                        properties.maxBatchSize(), properties.maxDelay().toNanos(), properties.maxQueue(),
                        properties.nativeThreads(), images -> batchObserver.accept(images));
                log.info("loaded model {} ({} parameters)", key, version.parameters());
                loadObserver.run();
                future.complete(runner);
                evictBeyondLimit();
            } catch (RuntimeException | Error e) {
                synchronized (this) {
                    runners.remove(key, future);
                }
                future.completeExceptionally(e);
                throw e;
            }
        }
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * Closes the least recently used loaded versions beyond the limit. Versions still loading are passed over (they
     * count again once loaded); a closed runner still answers what it has accepted.
     */
    private void evictBeyondLimit() {
        List<Map.Entry<String, ModelRunner>> evicted = new ArrayList<>();
        synchronized (this) {
            Iterator<Map.Entry<String, CompletableFuture<ModelRunner>>> eldestFirst = runners.entrySet().iterator();
            int excess = runners.size() - properties.maxLoadedModels();
            while (excess > 0 && eldestFirst.hasNext()) {
                Map.Entry<String, CompletableFuture<ModelRunner>> entry = eldestFirst.next();
                CompletableFuture<ModelRunner> future = entry.getValue();
                if (future.isDone() && !future.isCompletedExceptionally()) {
                    eldestFirst.remove();
                    evicted.add(Map.entry(entry.getKey(), future.join()));
                    excess--;
                }
            }
        }
        for (Map.Entry<String, ModelRunner> entry : evicted) {
            entry.getValue().close();
            log.info("unloaded model {} (cnn.inference.max-loaded-models = {})", entry.getKey(), properties.maxLoadedModels());
        }
    }

    /** Loaded, or loadable: the file is present and has its recorded sha256. */
    boolean ready(ModelVersion version) {
        CompletableFuture<ModelRunner> future;
        synchronized (this) {
            future = runners.get(key(version));
        }
        if (future != null && future.isDone() && !future.isCompletedExceptionally()) {
            return true;
        }
        try {
            checkedFile(version);
            return true;
        } catch (CorruptCheckpointException | UncheckedIOException e) {
            return false;
        }
    }

    /**
     * A new version that is now its model's default is loaded right away, on the registering thread (a training
     * worker or an import request), so the first classification does not pay for the load.
     */
    @EventListener
    void onRegistered(ModelVersionRegistered event) {
        ModelVersion version = event.version();
        try {
            if (registry.defaultVersion(version.name()).version() == version.version()) {
                runner(version);
            }
        } catch (RuntimeException e) {
            log.warn("model {} v{} could not be preloaded ({}); it loads on its first request", version.name(),
                    version.version(), e.getMessage());
        }
    }

    /**
     * Another instance made this version its model's default: it is loaded here before the registry serves the
     * change (the registry waits for this call), as a version registered here is.
     */
    @EventListener
    void onDefaultChanging(ModelDefaultChanging event) {
        ModelVersion version = event.version();
        try {
            runner(version);
        } catch (RuntimeException e) {
            log.warn("model {} v{} could not be preloaded ({}); it loads on its first request", version.name(),
                    version.version(), e.getMessage());
        }
    }

    /** A deleted version leaves memory and the cache (a closed runner still answers what it has accepted). */
    @EventListener
    void onDeleted(ModelVersionDeleted event) {
        ModelVersion version = event.version();
        CompletableFuture<ModelRunner> future;
        synchronized (this) {
            future = runners.remove(key(version));
        }
        if (future != null && future.isDone() && !future.isCompletedExceptionally()) {
            future.join().close();
            log.info("unloaded model {} (deleted)", key(version));
        }
        if (cache != null) {
            cache.evict(version);
        }
    }

    /** In memory now (a request for it waits for no load). */
    synchronized boolean isLoaded(ModelVersion version) {
        CompletableFuture<ModelRunner> future = runners.get(key(version));
        return future != null && future.isDone() && !future.isCompletedExceptionally();
    }

    synchronized int loaded() {
        return (int) runners.values().stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).count();
    }

    synchronized int queued() {
        return runners.values().stream().filter(f -> f.isDone() && !f.isCompletedExceptionally())
                .mapToInt(f -> f.join().queued()).sum();
    }

    /** Told the size of every batch a network runs. */
    void onBatch(IntConsumer observer) {
        this.batchObserver = observer;
    }

    /** Told of every version loaded into serving. */
    void onLoad(Runnable observer) {
        this.loadObserver = observer;
    }

    /** A network of its own for work beside serving (an evaluation), checked like every load. */
    ComputationGraph loadCopy(ModelVersion version) {
        return loader.apply(version);
    }

    private static String key(ModelVersion version) {
        return version.name() + "/" + version.version();
    }

    private ComputationGraph load(ModelVersion version) {
        Path file = checkedFile(version);
        try (InputStream in = Files.newInputStream(file)) {
            return ModelFormat.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path checkedFile(ModelVersion version) {
        return cache.file(version);
    }

    @PreDestroy
    void close() {
        List<CompletableFuture<ModelRunner>> all;
        synchronized (this) {
            all = new ArrayList<>(runners.values());
            runners.clear();
        }
        all.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).forEach(f -> f.join().stop());
    }
}
