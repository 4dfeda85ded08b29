package io.cnnlab.faults;

import io.cnnlab.ServiceFixture;
import io.cnnlab.TestImages;
import io.cnnlab.TestJobs;
import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.NewJob;
import io.cnnlab.jobs.TrainingJobs;
import io.cnnlab.models.ModelRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 200 concurrent clients classify while a job trains: the only refusal allowed is the documented 503 with
 * Retry-After, the job keeps stepping, and memory (RSS, heap) stays bounded; the figures are printed.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ClassifyUnderLoadFaultIT {

    private static final int CLIENTS = 200;
    private static final int REQUESTS_PER_CLIENT = 25;

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 40, 10);
        registry.add("cnn.inference.max-queue", () -> "128"); // small enough that 200 clients can fill it
        registry.add("server.tomcat.threads.max", () -> "256");
    }

    @Autowired
    TrainingJobs jobs;

    @Autowired
    ModelRegistry registry;

    @LocalServerPort
    int port;

    private static NewJob job(String model, int epochs) {
        return TestJobs.baseline(model, epochs, null, 10, 2e-3);
    }

    @Test
    void twoHundredClientsWhileAJobTrains() throws Exception {
        String served = jobs.submit(job("loaded", 1)).job().id();
        await().atMost(Duration.ofMinutes(2)).until(() -> jobs.get(served).state() == JobState.SUCCEEDED);
        await().atMost(Duration.ofSeconds(30)).until(() -> registry.models().stream().anyMatch(m -> m.name().equals("loaded")));
        String training = jobs.submit(job("background", 1000)).job().id();
        await().atMost(Duration.ofMinutes(1)).until(() -> jobs.liveProgress(training).map(p -> p.step() > 0).orElse(false));

        byte[] image = TestImages.png(48, 36, 7);
        HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(16)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/models/loaded/classify"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(image)).build();
        classifyOnce(http, request); // warm

        System.gc();
        long rssBefore = rssBytes(), heapBefore = heapUsed();
        long stepBefore = jobs.liveProgress(training).orElseThrow().step();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<String> badRetryAfter = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> done = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < CLIENTS; c++) {
            done.add(clients.submit(() -> {
                go.await();
                for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    statuses.computeIfAbsent(response.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                    if (response.statusCode() == 503 && response.headers().firstValue("Retry-After").isEmpty()) {
                        synchronized (badRetryAfter) {
                            badRetryAfter.add(response.body());
                        }
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get(10, TimeUnit.MINUTES);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        clients.shutdown();
        long stepAfter = jobs.liveProgress(training).orElseThrow().step();
        System.gc();
        long rssAfter = rssBytes(), heapAfter = heapUsed();

        System.out.printf("load: %d clients x %d requests in %.1f s (%.0f req/s), statuses %s; training steps %d -> %d; "
                        + "RSS %d -> %d MB (ND4J's native arrays included); JVM heap used %d -> %d MB%n", CLIENTS, REQUESTS_PER_CLIENT, seconds,
                CLIENTS * REQUESTS_PER_CLIENT / seconds, statuses, stepBefore, stepAfter, rssBefore >> 20, rssAfter >> 20,
                heapBefore >> 20, heapAfter >> 20);
        assertThat(statuses.keySet()).isSubsetOf(200, 503).contains(200);
        assertThat(badRetryAfter).as("503 without Retry-After").isEmpty();
        assertThat(stepAfter).as("training kept stepping under load").isGreaterThan(stepBefore);
        assertThat(jobs.get(training).state()).isEqualTo(JobState.RUNNING);
        assertThat(rssAfter - rssBefore).as("RSS growth").isLessThan(1L << 30);
        assertThat(heapAfter - heapBefore).as("heap growth").isLessThan(512L << 20);
        jobs.cancel(training);
    }

    private static void classifyOnce(HttpClient http, HttpRequest request) throws Exception {
        assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    private static long heapUsed() {
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    private static long rssBytes() throws Exception {
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
