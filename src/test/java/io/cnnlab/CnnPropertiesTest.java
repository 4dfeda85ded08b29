package io.cnnlab;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The record is the one source of these defaults (application.yaml no longer repeats them). */
class CnnPropertiesTest {

    private static CnnProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate("cnn", CnnProperties.class);
    }

    @Test
    void withNothingSetTheStateAndTheDataLiveUnderTheWorkingDirectory() {
        CnnProperties cnn = bind(Map.of());

        assertThat(cnn.home().normalize()).isEqualTo(Path.of("cnn-home"));
        assertThat(cnn.dataDir().normalize()).isEqualTo(Path.of("cnn-home/data/cifar-10"));
        assertThat(cnn.dataset().download()).isTrue();
        assertThat(cnn.dataset().md5()).isEqualTo("c32a1d4ab5d03f1284b67883e8d87530");
    }

    @Test
    void theDataDirectoryFollowsTheStateDirectoryUnlessItIsSet() {
        assertThat(bind(Map.of("cnn.home", "/srv/cnn")).dataDir()).isEqualTo(Path.of("/srv/cnn/data/cifar-10"));
        assertThat(bind(Map.of("cnn.home", "/srv/cnn", "cnn.data-dir", "/mnt/cifar")).dataDir()).isEqualTo(Path.of("/mnt/cifar"));
    }
}
