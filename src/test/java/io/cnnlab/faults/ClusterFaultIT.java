package io.cnnlab.faults;

import io.cnnlab.ChildService;
import io.cnnlab.ChildServices;
import io.cnnlab.PostgresServer;
import io.cnnlab.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

import javax.sql.DataSource;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two real service processes on one PostgreSQL database and one storage root, each with its own {@code cnn.home}:
 * a cluster of two, with short leases. A trigger in the database records every row the instances change with the
 * connection's application name (one per instance), so "no write of the paused instance lands" is read from the
 * database, not inferred from the API.
 *
 * <p>The services are started once for the class (two JVM starts are most of its time); the test that kills one comes
 * last, and a test after it would start that one again on the same directories.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultIT {

    private static final String LEASE = "3s";
    private static final int STEPS_PER_EPOCH = 20; // 200 training images, batch 10
    private static final int LONG_EPOCHS = 10;
    private static final String LISTENER = "cnn-lab registry watch"; // RegistryWatch's connection

    private static final ChildServices children = new ChildServices();
    private static Path storage;
    private static DataSource database;
    private static JdbcClient sql;
    private static ChildService a;
    private static ChildService b;

    @BeforeAll
    static void startCluster() throws Exception {
        String url = PostgresServer.get().createDatabase();
        database = PostgresServer.dataSource(url);
        sql = JdbcClient.create(database);
        storage = Files.createTempDirectory("cnn-cluster-storage-");
        a = instance("a", url);
        b = instance("b", url);
        // in parallel: a JVM start is mostly waiting on one core
        Thread first = new Thread(() -> startQuietly(a));
        first.start();
        b.start();
        first.join();
        assertThat(a.alive()).as("instance a started").isTrue();
        installAudit();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        children.close();
        if (database instanceof AutoCloseable closeable) {
            closeable.close();
        }
        org.springframework.util.FileSystemUtils.deleteRecursively(storage);
    }

    @BeforeEach
    void bothRunning() throws Exception {
        for (ChildService service : List.of(a, b)) {
            if (!service.alive()) {
                service.start();
            }
        }
    }

    @Test
    @Order(1)
    void twelveSmallJobsSubmittedToBothRunOnceEachOnBoth() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add((i % 2 == 0 ? a : b).submit(
                    "{\"architecture\":\"baseline\",\"epochs\":1,\"batchSize\":10,\"modelName\":\"small\"}"));
        }

        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).until(() -> {
            for (String id : ids) {
                if (!a.state(id).equals("SUCCEEDED")) {
                    return false;
                }
            }
            return true;
        });
        Set<String> workers = new HashSet<>();
        for (String id : ids) {
            JsonNode job = b.job(id); // the other instance tells the same
            assertThat(job.get("state").asString()).isEqualTo("SUCCEEDED");
            assertThat(job.get("attempts").asInt()).as("attempts of %s", id).isEqualTo(1);
            workers.add(job.get("worker").asString());
        }
        assertThat(workers).as("both instances trained").containsExactlyInAnyOrder("instance-a", "instance-b");
        // twelve registrations from two processes into one model: one version each, numbered without a gap
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(versions(b, "small"))
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 12).boxed().toList()));
        assertThat(versions(a, "small")).containsExactlyElementsOf(IntStream.rangeClosed(1, 12).boxed().toList());
    }

    @Test
    @Order(2)
    void aVersionRegisteredOnOneInstanceIsServedByTheOtherWithinFiveSecondsAlsoWithoutItsListener() throws Exception {
        byte[] model = Files.readAllBytes(firstModelFile());

        assertThat(classify(b, "moved", 1)).isEqualTo(404);
        assertThat(importVersion(a, "moved", model).statusCode()).isEqualTo(201);
        long registered = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> classify(b, "moved", 1) == 200);
        long first = System.nanoTime() - registered;

        List<Integer> ended = sql.sql("select pg_terminate_backend(pid)::int from pg_stat_activity where application_name = ?")
                .param(LISTENER).query(Integer.class).list();
        assertThat(ended).as("one notification connection per instance, ended").containsExactly(1, 1);
        assertThat(importVersion(a, "moved", model).statusCode()).isEqualTo(201);
        registered = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> classify(b, "moved", 2) == 200);
        long second = System.nanoTime() - registered;
        System.out.printf("cluster registry: served by the other instance after %d ms, %d ms without its listener%n",
                first / 1_000_000, second / 1_000_000);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(listeners())
                .as("both listeners connected again").isEqualTo(2));
    }

    @Test
    @Order(4)
    void aKilledInstancesJobResumesOnTheOtherFromItsLastCheckpointWithNoEpochRecordedTwice() throws Exception {
        String id = a.submit(longJob());
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                .until(() -> a.getJson("/api/v1/training-jobs/" + id + "/metrics").get("items").size() >= 2
                        && a.getJson("/api/v1/training-jobs/" + id + "/checkpoints").get("items").size() >= 2);
        ChildService victim = runner(id);
        ChildService survivor = victim == a ? b : a;
        victim.kill();

        // what the dead process left: nothing can be added to it now but by the survivor
        JsonNode checkpoints = survivor.getJson("/api/v1/training-jobs/" + id + "/checkpoints").get("items");
        long lastCheckpoint = checkpoints.get(0).get("step").asLong();
        int checkpointEpoch = checkpoints.get(0).get("epoch").asInt();
        assertThat(lastCheckpoint).isEqualTo((long) checkpointEpoch * STEPS_PER_EPOCH);

        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(300))
                .until(() -> survivor.state(id).equals("SUCCEEDED"));
        JsonNode job = survivor.job(id);
        assertThat(job.get("attempts").asInt()).isEqualTo(2);
        assertThat(job.get("worker").asString()).isEqualTo(instanceId(survivor));
        assertThat(Files.readString(survivor.log()))
                .contains("job " + id + " resumes from its checkpoint at step " + lastCheckpoint);
        assertEpochsConsecutive(survivor, id);

        // not recomputed: every epoch up to the checkpoint was inserted once, by the instance that died
        for (int epoch = 1; epoch <= checkpointEpoch; epoch++) {
            assertThat(sql.sql("select app from audit where tbl = 'epoch_metric' and op = 'INSERT' "
                            + "and new->>'job_id' = ? and (new->>'epoch')::int = ?")
                    .params(id, epoch).query(String.class).list())
                    .as("inserts of epoch %d", epoch).containsExactly(application(victim));
        }
        // resumed, not restarted: the second attempt's own progress reports never went back before the checkpoint
        // (its claim and its lease renewals leave the first attempt's last report in place: only changes count)
        assertThat(sql.sql("select min((new->>'step')::bigint) from audit where tbl = 'training_job' and new->>'id' = ? "
                        + "and (old->>'attempts')::int = 2 and (new->>'attempts')::int = 2 and app = ? "
                        + "and new->>'step' <> old->>'step'")
                .params(id, application(survivor)).query(Long.class).single())
                .isGreaterThanOrEqualTo(lastCheckpoint);
    }

    @Test
    @Order(3)
    void aPausedInstanceWhoseJobWasTakenOverStopsItAndWritesNothingMore() throws Exception {
        String id = b.submit(longJob());
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                .until(() -> b.getJson("/api/v1/training-jobs/" + id + "/metrics").get("items").size() >= 1);
        ChildService zombie = runner(id);
        ChildService taker = zombie == a ? b : a;

        zombie.signal("STOP");
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> taker.job(id).get("attempts").asInt() == 2);
            assertThat(taker.job(id).get("worker").asString()).isEqualTo(instanceId(taker));
            // the new attempt has made a checkpoint of its own: the zombie's next writes would meet it
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                    .until(() -> fileNames(taker.getJson("/api/v1/training-jobs/" + id + "/checkpoints").get("items")).stream()
                            .anyMatch(name -> name.endsWith("-attempt-2.zip")));
        } finally {
            zombie.signal("CONT");
        }
        // the heartbeat notices first, then the training thread stops at its next batch and says so
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> Files.readAllLines(zombie.log()).stream()
                        .anyMatch(line -> line.contains("job " + id + ": ") && line.contains("this attempt stops here")));

        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(300))
                .until(() -> taker.state(id).equals("SUCCEEDED"));
        assertThat(taker.job(id).get("attempts").asInt()).isEqualTo(2);
        assertEpochsConsecutive(taker, id);

        Timestamp takeover = sql.sql("select min(at) from audit where tbl = 'training_job' and new->>'id' = ? "
                + "and (new->>'attempts')::int = 2").param(id).query(Timestamp.class).single();
        List<Map<String, Object>> late = sql.sql("select tbl, op, coalesce(new, old)::text as row from audit "
                        + "where app = ? and at >= ? and coalesce(new->>'job_id', new->>'id', old->>'job_id') = ?")
                .params(application(zombie), takeover, id).query().listOfRows();
        assertThat(late).as("writes of the paused instance after the takeover").isEmpty();
        assertThat(sql.sql("select new->>'file_name' from audit where tbl = 'checkpoint' and op = 'INSERT' "
                        + "and new->>'job_id' = ? and at >= ?")
                .params(id, takeover).query(String.class).list())
                .isNotEmpty().allMatch(name -> name.endsWith("-attempt-2.zip"));
        assertThat(sql.sql("select count(*) from audit where tbl = 'training_job' and new->>'id' = ? "
                        + "and new->>'state' = 'SUCCEEDED' and old->>'state' <> 'SUCCEEDED'")
                .param(id).query(Long.class).single()).as("ends SUCCEEDED once").isEqualTo(1);
        // a file the zombie wrote before its row was refused is deleted by the zombie itself
        Set<String> listed = Set.copyOf(fileNames(taker.getJson("/api/v1/training-jobs/" + id + "/checkpoints").get("items")));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(storedCheckpoints(id)).isEqualTo(listed));
        assertThat(zombie.send(zombie.request("/actuator/health/readiness").build()).statusCode())
                .as("the paused instance serves on").isEqualTo(200);
    }

    private static ChildService instance(String name, String url) throws Exception {
        return children.create(40, 13, List.of("-Xmx1g"), List.of(
                "--spring.datasource.url=" + url,
                "--spring.datasource.username=" + PostgresServer.user(),
                "--spring.datasource.hikari.data-source-properties[ApplicationName]=cnn-" + name,
                "--cnn.instance-id=instance-" + name,
                "--cnn.storage.root=" + storage,
                "--cnn.training.lease-duration=" + LEASE,
                "--cnn.training.progress-write-interval=200ms",
                "--cnn.retention.enabled=false"))
                .environment("OMP_NUM_THREADS", "1");
    }

    private static void startQuietly(ChildService service) {
        try {
            service.start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every row change of the jobs' tables, with the instance (the connection's application name) that made it. */
    private static void installAudit() {
        sql.sql("create table audit (at timestamptz not null default clock_timestamp(), app text, tbl text, op text, "
                + "old jsonb, new jsonb)").update();
        sql.sql("""
                create function audit_row() returns trigger language plpgsql as $$
                begin
                    insert into audit (app, tbl, op, old, new) values (current_setting('application_name'),
                        tg_table_name, tg_op,
                        case when tg_op <> 'INSERT' then to_jsonb(old) end,
                        case when tg_op <> 'DELETE' then to_jsonb(new) end);
                    return null;
                end $$""").update();
        for (String table : List.of("training_job", "epoch_metric", "checkpoint")) {
            sql.sql("create trigger audit_" + table + " after insert or update or delete on " + table
                    + " for each row execute function audit_row()").update();
        }
    }

    private static String longJob() {
        return "{\"architecture\":\"baseline\",\"epochs\":" + LONG_EPOCHS + ",\"batchSize\":10,\"learningRate\":0.001}";
    }

    private static ChildService runner(String id) throws Exception {
        String worker = a.job(id).get("worker").asString();
        assertThat(worker).isIn("instance-a", "instance-b");
        return worker.equals("instance-a") ? a : b;
    }

    private static String instanceId(ChildService service) {
        return service == a ? "instance-a" : "instance-b";
    }

    private static String application(ChildService service) {
        return service == a ? "cnn-a" : "cnn-b";
    }

    private static void assertEpochsConsecutive(ChildService service, String id) throws Exception {
        JsonNode metrics = service.getJson("/api/v1/training-jobs/" + id + "/metrics").get("items");
        List<Integer> epochs = new ArrayList<>();
        for (JsonNode epoch : metrics) {
            epochs.add(epoch.get("epoch").asInt());
            assertThat(epoch.get("step").asLong()).isEqualTo(epoch.get("epoch").asLong() * STEPS_PER_EPOCH);
        }
        assertThat(epochs).containsExactlyElementsOf(IntStream.rangeClosed(1, LONG_EPOCHS).boxed().toList());
        assertThat(sql.sql("select count(*) from epoch_metric where job_id = ?").param(id).query(Long.class).single())
                .isEqualTo(LONG_EPOCHS);
    }

    private static List<Integer> versions(ChildService service, String model) throws Exception {
        List<Integer> versions = new ArrayList<>();
        service.getJson("/api/v1/models/" + model).get("versions").forEach(v -> versions.add(v.get("version").asInt()));
        versions.sort(null);
        return versions;
    }

    private static List<String> fileNames(JsonNode checkpoints) {
        List<String> names = new ArrayList<>();
        checkpoints.forEach(c -> names.add(c.get("fileName").asString()));
        return names;
    }

    private static Set<String> storedCheckpoints(String id) throws Exception {
        try (Stream<Path> files = Files.list(storage.resolve("checkpoints").resolve(id))) {
            return files.map(f -> f.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private static Path firstModelFile() {
        return storage.resolve("models").resolve("small").resolve("v1.zip");
    }

    private static int listeners() {
        return sql.sql("select count(*)::int from pg_stat_activity where application_name = ?").param(LISTENER)
                .query(Integer.class).single();
    }

    private static int classify(ChildService service, String model, int version) throws Exception {
        return service.send(service.request("/api/v1/models/" + model + "/versions/" + version + "/classify")
                .header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(TestImages.png(32, 32, 5))).build()).statusCode();
    }

    private static HttpResponse<String> importVersion(ChildService service, String model, byte[] zip) throws Exception {
        String boundary = "cluster-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"model.zip\"\r\n"
                + "Content-Type: application/zip\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(zip);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return service.send(service.request("/api/v1/models/" + model + "/versions")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
    }
}
