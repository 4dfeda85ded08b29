package io.cnnlab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The service in a real child JVM: {@code kill -9} in the middle of training, then a graceful stop (SIGTERM), each
 * followed by a restart on the same state directory. The job must continue from its checkpoint every time, finish
 * once, and its history must have every epoch exactly once.
 */
class CrashRecoveryTest {

    private static final int STEPS_PER_EPOCH = 20; // 200 generated training images, batch 10
    private static final int CHECKPOINT_EVERY = 5;

    @RegisterExtension
    final ChildServices children = new ChildServices();

    private final JsonMapper json = JsonMapper.builder().build();
    private ChildService service;

    @Test
    void aJobSurvivesKillNineAndAGracefulStopAndFinishesOnce() throws Exception {
        service = children.create(40, 3, List.of("-Xmx1g"), List.of(
                "--cnn.training.checkpoint-every-steps=" + CHECKPOINT_EVERY,
                "--cnn.training.progress-write-interval=200ms")).start();
        String id = json.readTree(post("/api/v1/training-jobs",
                "{\"architecture\":\"baseline\",\"epochs\":40,\"batchSize\":10,\"learningRate\":0.001}")).get("id").asString();
        long total = 40L * STEPS_PER_EPOCH;

        // 1. kill -9 once it has checkpointed a few times
        await().atMost(Duration.ofMinutes(4)).until(() -> checkpointSteps(id).stream().anyMatch(s -> s >= 3 * STEPS_PER_EPOCH));
        service.kill();
        Stored afterKill = stored(id);
        assertThat(afterKill.state()).isEqualTo("RUNNING"); // nobody had the chance to say otherwise
        assertThat(afterKill.latestCheckpoint()).isPositive().isLessThan(total);
        assertThat(afterKill.jobs()).isEqualTo(1);

        // 2. restart: back to the queue, continues from the latest checkpoint, not from zero
        service.start();
        await().atMost(Duration.ofMinutes(1)).until(() -> job(id).get("attempts").asInt() == 2);
        // the first step seen may still be the killed attempt's last stored progress; every change after it is the
        // new attempt's own, and it must continue beyond the checkpoint, not start again from zero
        List<Long> stepsSeen = new ArrayList<>();
        await().atMost(Duration.ofMinutes(1)).until(() -> {
            JsonNode job = job(id);
            long step = job.get("step").asLong();
            if (job.get("state").asString().equals("RUNNING") && (stepsSeen.isEmpty() || stepsSeen.get(stepsSeen.size() - 1) != step)) {
                stepsSeen.add(step);
            }
            return stepsSeen.size() >= 3;
        });
        assertThat(stepsSeen.subList(1, stepsSeen.size())).allSatisfy(step -> assertThat(step).isGreaterThan(afterKill.latestCheckpoint()));

        // 3. graceful stop while running: a checkpoint at the current step, the job back to QUEUED
        await().atMost(Duration.ofMinutes(4)).until(() -> job(id).get("step").asLong() >= afterKill.latestCheckpoint() + 2 * STEPS_PER_EPOCH);
        long beforeStop = job(id).get("step").asLong();
        assertThat(service.terminate(Duration.ofSeconds(90))).as("exits after a graceful stop (SIGTERM)").isTrue();
        Stored afterStop = stored(id);
        assertThat(afterStop.state()).isEqualTo("QUEUED");
        assertThat(afterStop.latestCheckpoint()).isGreaterThanOrEqualTo(beforeStop);

        // 4. restart again: it finishes, once, with one history row per epoch
        service.start();
        await().atMost(Duration.ofMinutes(6)).until(() -> job(id).get("state").asString().equals("SUCCEEDED"));
        JsonNode done = job(id);
        assertThat(done.get("attempts").asInt()).isEqualTo(3);
        assertThat(done.get("step").asLong()).isEqualTo(total);
        JsonNode metrics = json.readTree(get("/api/v1/training-jobs/" + id + "/metrics")).get("items");
        assertThat(metrics).hasSize(40);
        for (int i = 0; i < 40; i++) {
            assertThat(metrics.get(i).get("epoch").asInt()).isEqualTo(i + 1);
            assertThat(metrics.get(i).get("step").asLong()).isEqualTo((i + 1L) * STEPS_PER_EPOCH);
        }
        assertThat(json.readTree(get("/api/v1/training-jobs")).get("total").asLong()).isEqualTo(1);
    }

    record Stored(String state, long latestCheckpoint, int jobs) {
    }

    /** Reads the H2 database of a stopped service directly. */
    private Stored stored(String id) throws Exception {
        return new Stored(service.queryString("select state from training_job where id = '" + id + "'"),
                service.queryLong("select coalesce(max(step), 0) from checkpoint where job_id = '" + id + "'"),
                (int) service.queryLong("select count(*) from training_job"));
    }

    private List<Long> checkpointSteps(String id) throws Exception {
        List<Long> steps = new ArrayList<>();
        json.readTree(get("/api/v1/training-jobs/" + id + "/checkpoints")).get("items").forEach(c -> steps.add(c.get("step").asLong()));
        return steps;
    }

    private JsonNode job(String id) throws Exception {
        return json.readTree(get("/api/v1/training-jobs/" + id));
    }

    private String get(String path) throws Exception {
        return service.get(path);
    }

    private String post(String path, String body) throws Exception {
        return service.postJson(path, body).toString();
    }
}
