package io.cnnlab.security;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

import java.util.List;
import java.util.Set;

/**
 * API-key authentication ({@code cnn.security.*}).
 *
 * @param enabled unset: keys are required when configured; without keys the service runs open on loopback and refuses
 *                to start beyond it. {@code false}: the operator's explicit choice to run without keys beyond loopback
 *                (ignored when keys are configured: configured keys are always required). {@code true}: keys are
 *                required even when none is configured (every API request is refused).
 * @param keys    the accepted keys, each known only by the SHA-256 of its value
 */
@Validated
@ConfigurationProperties("cnn.security")
record SecurityProperties(Boolean enabled, @Valid List<Key> keys) {

    public SecurityProperties {
        keys = keys == null ? List.of() : List.copyOf(keys);
    }

    /**
     * @param name   who holds the key; shows up in logs instead of the key
     * @param sha256 hex SHA-256 of the key's value ({@code printf %s "$KEY" | sha256sum})
     */
    public record Key(@NotBlank @Pattern(regexp = "[A-Za-z0-9._-]{1,64}") String name,
                      @NotBlank @Pattern(regexp = "[0-9a-fA-F]{64}", message = "must be 64 hex digits (a SHA-256)") String sha256,
                      @NotEmpty Set<Role> roles) {
    }
}
