package io.cnnlab.security;

import io.cnnlab.Application;
import io.cnnlab.datasets.CifarFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Without keys, listening on every interface (the container's and chart's address) and not switched off: no start. */
class StartupRefusalTest {

    @TempDir
    Path home;

    @Test
    void withoutKeysBeyondLoopbackTheServiceDoesNotStart() {
        Path data = CifarFixtures.writeDirectory(home.resolve("data"), 2, 1);
        assertThatThrownBy(() -> new SpringApplicationBuilder(Application.class).run("--server.port=0",
                "--cnn.home=" + home, "--cnn.data-dir=" + data, "--cnn.dataset.download=false").close())
                .rootCause().isInstanceOf(SecurityMode.InsecureConfigurationException.class)
                .hasMessageStartingWith("refusing to start: no API keys are configured and the service listens beyond loopback")
                .hasMessageContaining("cnn.security.enabled=false");
    }
}
