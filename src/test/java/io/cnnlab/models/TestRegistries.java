package io.cnnlab.models;

import io.cnnlab.storage.BlobStore;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import java.time.Clock;
import java.time.Duration;

/** A registry with its watch, as one instance of a cluster has them, for tests of other packages. */
public final class TestRegistries {

    /** One instance's registry; {@link #close()} stops its watch. */
    public record Instance(ModelRegistry registry, RegistryWatch watch) implements AutoCloseable {

        /** The server process of the watch's LISTEN connection, 0 while it has none. */
        public int listenerPid() {
            return watch.listenerPid();
        }

        @Override
        public void close() {
            watch.stop();
        }
    }

    private TestRegistries() {
    }

    /** A started registry on {@code dataSource} and {@code blobs}, its events going to {@code events}. */
    public static Instance start(BlobStore blobs, DataSource dataSource, Duration pollInterval,
                                 ApplicationEventPublisher events) {
        ModelRegistry registry = new ModelRegistry(blobs, JdbcClient.create(dataSource), dataSource, Clock.systemUTC(), events);
        RegistryWatch watch = new RegistryWatch(registry, dataSource, new RegistryProperties(pollInterval, Duration.ofMillis(200)));
        watch.start();
        return new Instance(registry, watch);
    }
}
