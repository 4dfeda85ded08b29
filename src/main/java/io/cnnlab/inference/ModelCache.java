package io.cnnlab.inference;

import io.cnnlab.CnnProperties;
import io.cnnlab.checkpoints.CorruptCheckpointException;
import io.cnnlab.files.DurableFiles;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.storage.CorruptBlobException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The network files this instance serves, copied from the shared storage to {@code cnn.home/cache/models}: a load
 * reads a local disk, not the network. A cached file is used only while it has the version's recorded sha256;
 * missing or corrupt, it is fetched again (the storage checks its own copy on the way).
 */
@Component
class ModelCache {

    private static final Logger log = LoggerFactory.getLogger(ModelCache.class);

    private final ModelRegistry registry;
    private final Path root;
    /** One fetch per version at a time: two would write the same temporary file. */
    private final ConcurrentHashMap<String, Object> fetching = new ConcurrentHashMap<>();

    @Autowired
    ModelCache(ModelRegistry registry, CnnProperties cnn) {
        this(registry, cnn.home().resolve("cache").resolve("models"));
    }

    ModelCache(ModelRegistry registry, Path root) {
        this.registry = registry;
        this.root = root;
    }

    /**
     * The version's file on the local disk, with its recorded sha256.
     *
     * @throws CorruptCheckpointException when the stored file is missing or corrupt
     */
    Path file(ModelVersion version) {
        Path local = local(version);
        synchronized (fetching.computeIfAbsent(local.toString(), k -> new Object())) {
            try {
                if (DurableFiles.sha256(local).equals(version.sha256())) {
                    return local;
                }
                log.warn("model {} v{}: the cached file {} is corrupt; fetching it again", version.name(),
                        version.version(), local);
            } catch (NoSuchFileException e) {
                // not cached yet
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            DurableFiles.Written written;
            try (InputStream in = registry.open(version)) {
                written = DurableFiles.write(local, in::transferTo);
            } catch (CorruptBlobException e) {
                throw new CorruptCheckpointException("model %s v%d: %s; refusing to load it"
                        .formatted(version.name(), version.version(), e.getMessage()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot cache model %s v%d: %s"
                        .formatted(version.name(), version.version(), e.getMessage()), e);
            }
            if (!written.sha256().equals(version.sha256())) {
                evict(version);
                throw new CorruptCheckpointException("model %s v%d: its file changed while it was fetched (sha256 %s, "
                        + "recorded %s); refusing to load it".formatted(version.name(), version.version(),
                        written.sha256(), version.sha256()));
            }
            return local;
        }
    }

    /** Forgets a version that is gone from the registry. */
    void evict(ModelVersion version) {
        Path local = local(version);
        try {
            Files.deleteIfExists(local);
        } catch (IOException e) {
            log.warn("cannot remove the cached file {}: {}", local, e.getMessage());
        }
        fetching.remove(local.toString());
    }

    private Path local(ModelVersion version) {
        // the registry's key is a checked relative path (models/<name>/v<n>.zip)
        return root.resolve(registry.key(version).substring("models/".length()));
    }
}
