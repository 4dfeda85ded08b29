package io.cnnlab.storage;

import io.cnnlab.CnnProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.FileSystemUtils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The one {@link BlobStore} of the instance, as {@code cnn.storage.type} says, with earlier layouts moved into it. */
@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

    private static final Logger log = LoggerFactory.getLogger(StorageConfiguration.class);

    @Bean
    BlobStore blobStore(StorageProperties storage, CnnProperties cnn) {
        Path tmp = cnn.home().resolve("tmp").resolve("storage");
        try {
            // transfers of an earlier run that died mid-way; nothing else writes here
            FileSystemUtils.deleteRecursively(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + tmp + ": " + e.getMessage(), e);
        }
        BlobStore store = switch (storage.type()) {
            case FILESYSTEM -> new FileSystemBlobStore(root(storage, cnn));
            case S3 -> S3BlobStore.create(storage.s3(), tmp);
        };
        log.info("checkpoint and model files are stored in {}", store.describe());
        LegacyLayout.moveInto(store, cnn.home());
        return store;
    }

    static Path root(StorageProperties storage, CnnProperties cnn) {
        return storage.root() != null ? storage.root() : cnn.home().resolve("storage");
    }
}
