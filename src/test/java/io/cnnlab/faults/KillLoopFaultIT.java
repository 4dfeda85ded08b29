package io.cnnlab.faults;

import io.cnnlab.ChildService;
import io.cnnlab.ChildServices;
import io.cnnlab.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Ten {@code kill -9} at random moments while three jobs train and a client classifies, each followed by a restart
 * on the same state directory. Every job is still there, none runs twice, each loses at most one checkpoint
 * interval per kill, and the database stays consistent.
 */
class KillLoopFaultIT {

    private static final int KILLS = Integer.getInteger("kills", 10);
    private static final int CHECKPOINT_EVERY = 5;
    private static final int STEPS_PER_EPOCH = 20; // 200 training images, batch 10
    private static final int EPOCHS = 12;

    @RegisterExtension
    final ChildServices children = new ChildServices();

    private ChildService service;

    @Test
    void tenKillsLoseNothingButTheCurrentCheckpointInterval() throws Exception {
        service = children.create(40, 13, List.of("-Xmx1g"), List.of(
                "--cnn.training.checkpoint-every-steps=" + CHECKPOINT_EVERY,
                "--cnn.training.progress-write-interval=200ms")).start();
        String served = submit("{\"architecture\":\"baseline\",\"epochs\":1,\"batchSize\":10,\"modelName\":\"served\"}");
        await().atMost(Duration.ofMinutes(2)).until(() -> job(served).get("state").asString().equals("SUCCEEDED"));
        await().atMost(Duration.ofMinutes(2)).until(() -> service.getJson("/api/v1/models").get("total").asLong() == 1);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(submit("{\"architecture\":\"baseline\",\"epochs\":" + EPOCHS + ",\"batchSize\":10,\"learningRate\":0.001}"));
        }

        Random random = new Random(77);
        Map<Integer, AtomicInteger> classified = new ConcurrentHashMap<>();
        AtomicInteger refusedConnections = new AtomicInteger();
        List<String> lossReport = new ArrayList<>();
        for (int kill = 1; kill <= KILLS; kill++) {
            AtomicBoolean running = new AtomicBoolean(true);
            Thread client = classifyContinuously(running, classified, refusedConnections);
            Thread.sleep(1500 + random.nextInt(4500)); // the random moment of this kill
            Map<String, Long> observed = new LinkedHashMap<>();
            for (String id : ids) {
                JsonNode job = job(id);
                if (job.get("state").asString().equals("RUNNING")) {
                    observed.put(id, job.get("step").asLong());
                }
            }
            service.kill();
            running.set(false);
            client.join(30_000);

            try (Connection db = service.database()) {
                assertThat(count(db, "select count(*) from training_job")).isEqualTo(4);
                assertThat(count(db, "select count(*) from (select job_id, epoch from epoch_metric group by job_id, epoch having count(*) > 1)"))
                        .as("an epoch recorded twice").isZero();
                assertThat(count(db, "select count(*) from training_job where id = '" + served + "' and state = 'SUCCEEDED' and attempts = 1"))
                        .as("a finished job never runs again").isEqualTo(1);
                for (var entry : observed.entrySet()) {
                    long checkpoint = count(db, "select coalesce(max(step), 0) from checkpoint where job_id = '" + entry.getKey() + "'");
                    lossReport.add("kill " + kill + ": step " + entry.getValue() + " seen, checkpoint at " + checkpoint);
                    assertThat(entry.getValue() - checkpoint).as("steps lost by kill %d", kill).isLessThanOrEqualTo(CHECKPOINT_EVERY);
                }
            }
            service.start();
        }

        await().atMost(Duration.ofMinutes(10)).until(() -> {
            for (String id : ids) {
                if (!job(id).get("state").asString().equals("SUCCEEDED")) {
                    return false;
                }
            }
            return true;
        });
        for (String id : ids) {
            JsonNode metrics = service.getJson("/api/v1/training-jobs/" + id + "/metrics").get("items");
            assertThat(metrics).hasSize(EPOCHS);
            for (int e = 0; e < EPOCHS; e++) {
                assertThat(metrics.get(e).get("epoch").asInt()).isEqualTo(e + 1);
                assertThat(metrics.get(e).get("step").asLong()).isEqualTo((e + 1L) * STEPS_PER_EPOCH);
            }
            assertThat(job(id).get("step").asLong()).isEqualTo((long) EPOCHS * STEPS_PER_EPOCH);
        }
        assertThat(service.getJson("/api/v1/training-jobs").get("total").asLong()).isEqualTo(4);
        System.out.printf("kill loop: %d kills; classifications %s, %d refused connections (the moments of the kills); %s%n",
                KILLS, classified, refusedConnections.get(), lossReport);
        assertThat(classified.keySet()).containsOnly(200);
    }

    private Thread classifyContinuously(AtomicBoolean running, Map<Integer, AtomicInteger> statuses, AtomicInteger refused) {
        byte[] image = TestImages.png(32, 32, 5);
        HttpRequest request = service.request("/api/v1/models/served/classify").header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(image)).build();
        Thread thread = new Thread(() -> {
            while (running.get()) {
                try {
                    statuses.computeIfAbsent(service.send(request).statusCode(), k -> new AtomicInteger()).incrementAndGet();
                } catch (IOException e) {
                    refused.incrementAndGet(); // the process died under it
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "classify-client");
        thread.start();
        return thread;
    }

    private String submit(String body) throws Exception {
        return service.submit(body);
    }

    private JsonNode job(String id) throws Exception {
        return service.job(id);
    }

    private static long count(Connection db, String sql) throws Exception {
        try (ResultSet rs = db.createStatement().executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(1);
        }
    }
}
