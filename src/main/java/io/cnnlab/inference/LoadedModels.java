package io.cnnlab.inference;

import io.cnnlab.checkpoints.CorruptCheckpointException;
import io.cnnlab.files.DurableFiles;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.networks.InputDescription;
import io.cnnlab.networks.ModelFormat;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Model versions kept in memory, at most {@code cnn.inference.max-loaded-models} (least recently used goes first).
 * A file is checked against its recorded sha256 before DL4J reads it.
 */
@Component
class LoadedModels {

    private static final Logger log = LoggerFactory.getLogger(LoadedModels.class);

    private final ModelRegistry registry;
    private final InferenceProperties properties;
    private final Map<String, ModelRunner> runners;
    private volatile java.util.function.IntConsumer batchObserver = images -> { };

    LoadedModels(ModelRegistry registry, InferenceProperties properties) {
        this.registry = registry;
        this.properties = properties;
        this.runners = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ModelRunner> eldest) {
                if (size() > properties.maxLoadedModels()) {
                    eldest.getValue().close();
                    log.info("unloaded model {} (cnn.inference.max-loaded-models = {})", eldest.getKey(), properties.maxLoadedModels());
                    return true;
                }
                return false;
            }
        };
    }

    synchronized ModelRunner runner(ModelVersion version) {
        String key = version.name() + "/" + version.version();
        ModelRunner runner = runners.get(key);
        if (runner == null) {
            runner = new ModelRunner(key, load(version), InputDescription.SEED.networkShape(), properties.maxBatchSize(),
                    properties.maxDelay().toNanos(), properties.maxQueue(), properties.nativeThreads(),
                    images -> batchObserver.accept(images));
            runners.put(key, runner);
            log.info("loaded model {} ({} parameters)", key, version.parameters());
        }
        return runner;
    }

    /**
     * A new version that is now its model's default is loaded right away, on the registering thread (a training
     * worker or an import request), so the first classification does not pay for the load.
     */
    @org.springframework.context.event.EventListener
    void onRegistered(io.cnnlab.models.ModelVersionRegistered event) {
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

    synchronized int loaded() {
        return runners.size();
    }

    synchronized int queued() {
        return runners.values().stream().mapToInt(ModelRunner::queued).sum();
    }

    /** Told the size of every batch a network runs. */
    void onBatch(java.util.function.IntConsumer observer) {
        this.batchObserver = observer;
    }

    /** A network of its own for work beside serving (an evaluation), checked like every load. */
    org.deeplearning4j.nn.graph.ComputationGraph loadCopy(ModelVersion version) {
        return load(version);
    }

    private org.deeplearning4j.nn.graph.ComputationGraph load(ModelVersion version) {
        Path file = registry.file(version);
        try {
            String actual = DurableFiles.sha256(file);
            if (!actual.equals(version.sha256())) {
                throw new CorruptCheckpointException("model %s v%d: file %s has sha256 %s, recorded %s; refusing to load it"
                        .formatted(version.name(), version.version(), file, actual, version.sha256()));
            }
            try (InputStream in = Files.newInputStream(file)) {
                return ModelFormat.read(in);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new CorruptCheckpointException("model %s v%d: file %s is missing".formatted(version.name(), version.version(), file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @PreDestroy
    synchronized void close() {
        runners.values().forEach(ModelRunner::close);
        runners.clear();
    }
}
