package io.cnnlab.faults;

import io.cnnlab.ChildService;
import io.cnnlab.ChildServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An absurd batch on a service whose memory is capped (JavaCPP maxphysicalbytes, as the container image sets it):
 * that job fails with a reason a user can act on; the worker, the process and the next job live on.
 */
class TrainingOutOfMemoryFaultIT {

    @RegisterExtension
    final ChildServices children = new ChildServices();

    private ChildService service;

    @Test
    void anAbsurdBatchFailsItsJobAndNothingElse() throws Exception {
        service = children.create(500, 12, List.of("-Xmx512m", "-Dorg.bytedeco.javacpp.maxphysicalbytes=1200m"), List.of()).start();

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
        return service.state(id);
    }
}
