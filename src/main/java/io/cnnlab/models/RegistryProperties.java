package io.cnnlab.models;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code cnn.models.*}: how soon a change made on another instance (a version registered or deleted, an alias
 * moved) is served here.
 *
 * @param pollInterval   the floor: the registry's revision is checked this often, whatever happens to
 *                       PostgreSQL's notifications (and it is the only way on H2)
 * @param listenRetry    how long the notification listener waits before it connects again after losing its
 *                       connection (PostgreSQL only)
 */
@Validated
@ConfigurationProperties("cnn.models")
record RegistryProperties(@NotNull @DefaultValue("2s") Duration pollInterval,
                          @NotNull @DefaultValue("1s") Duration listenRetry) {

    RegistryProperties {
        if (pollInterval != null && (pollInterval.isNegative() || pollInterval.isZero())) {
            throw new IllegalArgumentException("cnn.models.poll-interval must be positive");
        }
        if (listenRetry != null && (listenRetry.isNegative() || listenRetry.isZero())) {
            throw new IllegalArgumentException("cnn.models.listen-retry must be positive");
        }
    }
}
