package io.cnnlab.web;

import io.cnnlab.ServiceFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Live-event subscriptions are capped per job and per caller, ask for reconnection and send heartbeats. */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class JobEventStreamsTest {

    // long enough to stay running (A) and queued behind it (B) for the whole test; cancelled at its end
    static final String LONG_JOB = "{\"architecture\":\"baseline\",\"epochs\":500,\"batchSize\":4}";

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 10, 9);
        registry.add("cnn.events.max-per-job", () -> "2");
        registry.add("cnn.events.max-per-caller", () -> "3");
        registry.add("cnn.events.heartbeat", () -> "200ms");
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    private String submit() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/api/v1/training-jobs"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(LONG_JOB)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(202);
        Matcher id = Pattern.compile("\"id\":\"([0-9a-f-]{36})\"").matcher(response.body());
        assertThat(id.find()).isTrue();
        return id.group(1);
    }

    private HttpResponse<InputStream> subscribe(String job) throws Exception {
        return http.send(HttpRequest.newBuilder(uri("/api/v1/training-jobs/" + job + "/events"))
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private static String body(HttpResponse<InputStream> response) throws Exception {
        try (InputStream in = response.body()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void subscriptionsAreCappedPerJobAndPerCallerAndFreedWhenAClientGoes() throws Exception {
        String a = submit();
        String b = submit();
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                open.add(subscribe(a));
                assertThat(open.get(i).statusCode()).isEqualTo(200);
            }
            HttpResponse<InputStream> jobFull = subscribe(a);
            assertThat(jobFull.statusCode()).isEqualTo(503);
            assertThat(jobFull.headers().firstValue("Retry-After")).contains("3");
            assertThat(jobFull.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
            assertThat(body(jobFull)).contains("urn:problem-type:cnn-lab:too-many-subscriptions").contains("max-per-job");

            open.add(subscribe(b));
            assertThat(open.get(2).statusCode()).isEqualTo(200);
            HttpResponse<InputStream> callerFull = subscribe(b);
            assertThat(callerFull.statusCode()).isEqualTo(429);
            assertThat(callerFull.headers().firstValue("Retry-After")).contains("3");
            assertThat(body(callerFull)).contains("max-per-caller");

            // a client that goes away is noticed at the next heartbeat and its place is free again
            open.remove(0).body().close();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
                HttpResponse<InputStream> again = subscribe(a);
                if (again.statusCode() == 200) {
                    open.add(again);
                    return true;
                }
                body(again);
                return false;
            });
        } finally {
            for (HttpResponse<InputStream> response : open) {
                response.body().close();
            }
            for (String job : List.of(b, a)) {
                http.send(HttpRequest.newBuilder(uri("/api/v1/training-jobs/" + job + "/cancel"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            }
        }
    }

    /**
     * The SUCCEEDED state event names the version the job became, as GET does: the version is registered before the
     * job is marked SUCCEEDED, so the event never goes out without it.
     */
    @Test
    void theSucceededStateEventNamesTheModelVersionTheJobBecame() throws Exception {
        HttpResponse<String> submitted = http.send(HttpRequest.newBuilder(uri("/api/v1/training-jobs"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"architecture\":\"baseline\",\"epochs\":1,\"batchSize\":10,\"modelName\":\"streamed\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        String job = json.readTree(submitted.body()).get("id").asString();

        List<String[]> events = new ArrayList<>(); // name, data
        HttpResponse<java.util.stream.Stream<String>> stream = http.send(HttpRequest.newBuilder(
                        uri("/api/v1/training-jobs/" + job + "/events")).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        String[] name = {null};
        stream.body().forEach(line -> { // ends when the server closes the stream, after the final state
            if (line.startsWith("event:")) {
                name[0] = line.substring(6).trim();
            } else if (line.startsWith("data:") && name[0] != null) {
                events.add(new String[]{name[0], line.substring(5)});
                name[0] = null;
            }
        });

        assertThat(events).extracting(e -> e[0]).as("the stream saw the job run").contains("epoch");
        String[] last = events.get(events.size() - 1);
        assertThat(last[0]).isEqualTo("state");
        tools.jackson.databind.JsonNode state = json.readTree(last[1]);
        assertThat(state.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(state.get("model").get("name").asString()).isEqualTo("streamed");
        assertThat(state.get("model").get("version").asInt()).isEqualTo(1);
        assertThat(state.get("loss").isNumber()).as("an ended job keeps its last loss").isTrue();
        assertThat(state.get("latestMetrics").get("epoch").asInt()).isEqualTo(1);
        tools.jackson.databind.JsonNode viaGet = json.readTree(http.send(HttpRequest.newBuilder(
                uri("/api/v1/training-jobs/" + job)).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(state.get("model")).isEqualTo(viaGet.get("model"));
    }

    private final tools.jackson.databind.json.JsonMapper json = tools.jackson.databind.json.JsonMapper.builder().build();

    @Test
    void aStreamAsksForReconnectionAndSendsHeartbeats() throws Exception {
        String job = submit();
        try {
            HttpResponse<InputStream> stream = subscribe(job);
            assertThat(stream.statusCode()).isEqualTo(200);
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                List<String> seen = new ArrayList<>();
                String line;
                while ((line = lines.readLine()) != null && seen.stream().filter(l -> l.startsWith(":")).count() < 2) {
                    seen.add(line);
                }
                assertThat(seen).contains("retry:3000", "event:state");
                assertThat(seen).filteredOn(l -> l.startsWith(":")).contains(":heartbeat");
            }
        } finally {
            http.send(HttpRequest.newBuilder(uri("/api/v1/training-jobs/" + job + "/cancel"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        }
    }
}
