package io.cnnlab.datasets;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code cnn.datasets.*}: the record holds the defaults, and a limit out of range stops the service from starting. */
class DatasetPropertiesTest {

    private static DatasetProperties bind(Map<String, String> properties) {
        LocalValidatorFactoryBean validator = new LocalValidatorFactoryBean();
        validator.afterPropertiesSet();
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("cnn.datasets", org.springframework.boot.context.properties.bind.Bindable.of(DatasetProperties.class),
                        new ValidationBindHandler(validator));
    }

    @Test
    void withNothingSetFolderRegistrationIsOffAndTheLimitsAreTheRecords() {
        DatasetProperties limits = bind(Map.of());

        assertThat(limits.roots()).isEmpty();
        assertThat(limits.maxUploadBytes()).isEqualTo(DataSize.ofGigabytes(1));
        assertThat(limits.maxUncompressedBytes()).isEqualTo(DataSize.ofGigabytes(4));
        assertThat(limits.maxEntries()).isEqualTo(100_000);
        assertThat(limits.maxPixels()).isEqualTo(40_000_000L);
        assertThat(limits.maxClasses()).isEqualTo(1000);
        assertThat(limits.leftoverAge()).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void rootsAreAListAndLimitsOutOfRangeAreRefused() {
        assertThat(bind(Map.of("cnn.datasets.roots", "/data/a,/data/b")).roots()).containsExactly(Path.of("/data/a"), Path.of("/data/b"));
        for (String key : List.of("cnn.datasets.max-entries", "cnn.datasets.max-classes", "cnn.datasets.max-concurrent-imports")) {
            assertThatThrownBy(() -> bind(Map.of(key, "0"))).as(key).isInstanceOf(BindException.class);
        }
    }
}
