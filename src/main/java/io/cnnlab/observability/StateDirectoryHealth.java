package io.cnnlab.observability;

import io.cnnlab.CnnProperties;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

import java.nio.file.Files;
import java.nio.file.Path;

/** Ready only while the state directory takes writes and has room for checkpoints ({@code cnn.health.min-free-disk}). */
@Component("stateDirectoryHealthIndicator")
class StateDirectoryHealth extends AbstractHealthIndicator {

    private final Path home;
    private final DataSize minFree;

    StateDirectoryHealth(CnnProperties properties, @Value("${cnn.health.min-free-disk:512MB}") DataSize minFree) {
        this.home = properties.home();
        this.minFree = minFree;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        Files.createDirectories(home);
        Path probe = Files.createTempFile(home, ".health", ".tmp");
        Files.delete(probe);
        long free = Files.getFileStore(home).getUsableSpace();
        builder.withDetail("path", home.toAbsolutePath().toString())
                .withDetail("freeBytes", free)
                .withDetail("minFreeBytes", minFree.toBytes());
        if (free < minFree.toBytes()) {
            builder.down().withDetail("reason", "less free disk space than cnn.health.min-free-disk");
        } else {
            builder.up();
        }
    }
}
