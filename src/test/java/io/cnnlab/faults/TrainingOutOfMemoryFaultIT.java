package io.cnnlab.faults;

import io.cnnlab.ChildService;
import io.cnnlab.datasets.CifarFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An absurd batch on a service whose memory is capped (JavaCPP maxphysicalbytes, as the container image sets it):
 * that job fails with a reason a user can act on; the worker, the process and the next job live on.
 */
class TrainingOutOfMemoryFaultIT {

    @TempDir
    Path home;

    private ChildService service;

    @AfterEach
    void stop() throws IOException {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void anAbsurdBatchFailsItsJobAndNothingElse() throws Exception {
        Path data = CifarFixtures.writeDirectory(home.resolve("data"), 500, 12);
        service = new ChildService(home, data, List.of("-Xmx512m", "-Dorg.bytedeco.javacpp.maxphysicalbytes=1200m"), List.of()).start();

        String greedy = service.postJson("/api/v1/training-jobs",
                "{\"architecture\":\"multibranch\",\"epochs\":1,\"batchSize\":2048}").get("id").asString();
        String modest = service.postJson("/api/v1/training-jobs",
                "{\"architecture\":\"baseline\",\"epochs\":1,\"batchSize\":50,\"modelName\":\"after-oom\"}").get("id").asString();

        await().atMost(Duration.ofMinutes(5)).until(() -> state(modest).equals("SUCCEEDED") || state(modest).equals("FAILED"));
        JsonNode failed = service.getJson("/api/v1/training-jobs/" + greedy);
        assertThat(failed.get("state").asString()).isEqualTo("FAILED");
        assertThat(failed.get("error").asString()).containsIgnoringCase("memory").contains("smaller batch size");
        assertThat(state(modest)).isEqualTo("SUCCEEDED");
        assertThat(service.alive()).isTrue();
        assertThat(service.getJson("/actuator/health/readiness").get("status").asString()).isEqualTo("UP");
        System.out.println("out-of-memory job: " + failed.get("error").asString());
    }

    private String state(String id) throws Exception {
        return service.getJson("/api/v1/training-jobs/" + id).get("state").asString();
    }
}
