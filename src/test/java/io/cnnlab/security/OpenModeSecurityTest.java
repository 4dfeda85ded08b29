package io.cnnlab.security;

import io.cnnlab.ServiceFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No keys, listening on loopback (the laptop's {@code ./mvnw spring-boot:run}): what a web page the developer visits
 * can and cannot do to the service. Real HTTP with the headers browsers send.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenModeSecurityTest {

    static final String JOB = "{\"architecture\":\"baseline\",\"epochs\":1,\"maxSteps\":1,\"batchSize\":4}";
    static final String CSP = "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; frame-ancestors 'none'";

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 10, 5); // server.address=127.0.0.1, no keys
    }

    @LocalServerPort
    int port;

    private RawHttp.Response send(String method, String path, Map<String, String> headers, byte[] body) throws Exception {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("Host", "localhost:" + port);
        all.putAll(headers);
        return RawHttp.send(port, method, path, all, body);
    }

    /** Jobs submitted so far (the tests share one service, in no fixed order). */
    private long jobCount() throws Exception {
        var total = java.util.regex.Pattern.compile("\"total\":(\\d+)")
                .matcher(send("GET", "/api/v1/training-jobs", Map.of(), null).body());
        assertThat(total.find()).isTrue();
        return Long.parseLong(total.group(1));
    }

    @Test
    void aRequestForAnotherHostNameIsRefusedSoDnsRebindingGetsNothing() throws Exception {
        long before = jobCount();
        for (String method : new String[]{"GET", "POST"}) {
            RawHttp.Response response = send(method, "/api/v1/training-jobs",
                    Map.of("Host", "evil.example:" + port, "Content-Type", "application/json"),
                    method.equals("POST") ? JOB.getBytes(StandardCharsets.UTF_8) : null);

            assertThat(response.status()).as(method).isEqualTo(421);
            assertThat(response.header("Content-Type")).startsWith("application/problem+json");
            assertThat(response.body()).contains("urn:problem-type:cnn-lab:host-not-served")
                    .contains("localhost, 127.0.0.1 or [::1]");
        }
        assertThat(send("GET", "/", Map.of("Host", "evil.example"), null).status()).isEqualTo(421);
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void loopbackNamesWithAnyPortAreServed() throws Exception {
        for (String host : new String[]{"localhost", "localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port}) {
            assertThat(send("GET", "/api/v1/architectures", Map.of("Host", host), null).status()).as(host).isEqualTo(200);
        }
    }

    @Test
    void aCrossSiteFormPostIsRefusedAndCreatesNothing() throws Exception {
        String boundary = "----WebKitFormBoundaryx8H3n2TfQ9pL";
        byte[] form = RawHttp.multipartForm(boundary, "file", "model.zip", "PK not really a model".getBytes(StandardCharsets.UTF_8));
        RawHttp.Response response = send("POST", "/api/v1/models/planted/versions", Map.of(
                "Content-Type", "multipart/form-data; boundary=" + boundary,
                "Origin", "https://attacker.example",
                "Sec-Fetch-Site", "cross-site",
                "Sec-Fetch-Mode", "navigate",
                "Referer", "https://attacker.example/"), form);

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.body()).contains("urn:problem-type:cnn-lab:cross-site-refused");
        assertThat(send("GET", "/api/v1/models", Map.of(), null).body()).doesNotContain("planted");
        assertThat(send("GET", "/api/v1/models/planted", Map.of(), null).status()).isEqualTo(404);
    }

    @Test
    void everyStateChangingMethodIsRefusedFromAnotherSiteByEitherHeader() throws Exception {
        long before = jobCount();
        byte[] job = JOB.getBytes(StandardCharsets.UTF_8);
        // a text/plain POST is another request a page may send without a preflight
        assertThat(send("POST", "/api/v1/training-jobs", Map.of("Content-Type", "text/plain",
                "Sec-Fetch-Site", "cross-site"), job).status()).isEqualTo(403);
        // browsers without Fetch Metadata still send Origin on a POST
        assertThat(send("POST", "/api/v1/training-jobs", Map.of("Content-Type", "application/json",
                "Origin", "https://attacker.example"), job).status()).isEqualTo(403);
        assertThat(send("POST", "/api/v1/training-jobs", Map.of("Content-Type", "application/json",
                "Origin", "null"), job).status()).isEqualTo(403);
        assertThat(send("POST", "/api/v1/training-jobs", Map.of("Content-Type", "application/json",
                "Origin", "http://localhost.attacker.example:" + port), job).status()).isEqualTo(403);
        assertThat(send("PUT", "/api/v1/models/m/aliases/production", Map.of("Content-Type", "application/json",
                "Sec-Fetch-Site", "same-site"), "{\"version\":1}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(403);
        assertThat(send("DELETE", "/api/v1/models/m/versions/1", Map.of("Origin", "https://attacker.example"), null)
                .status()).isEqualTo(403);
        assertThat(send("PATCH", "/api/v1/training-jobs", Map.of("Sec-Fetch-Site", "cross-site"), null).status())
                .isEqualTo(403);
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void theDashboardsOwnRequestsAndCurlAreAccepted() throws Exception {
        byte[] job = JOB.getBytes(StandardCharsets.UTF_8);
        RawHttp.Response sameOrigin = send("POST", "/api/v1/training-jobs", Map.of("Content-Type", "application/json",
                "Origin", "http://localhost:" + port, "Sec-Fetch-Site", "same-origin"), job);
        assertThat(sameOrigin.status()).isEqualTo(202);
        // another loopback spelling of this machine, and a request typed into the address bar
        assertThat(send("POST", "/api/v1/training-jobs", Map.of("Host", "127.0.0.1:" + port, "Content-Type",
                "application/json", "Origin", "http://localhost:" + port), job).status()).isEqualTo(202);
        assertThat(send("POST", "/api/v1/training-jobs", Map.of("Content-Type", "application/json",
                "Sec-Fetch-Site", "none"), job).status()).isEqualTo(202);
        assertThat(send("POST", "/api/v1/training-jobs", Map.of("Content-Type", "application/json"), job).status())
                .isEqualTo(202); // curl: no Origin, no Sec-Fetch-Site
        // reading from another site is not refused here: without CORS headers the browser does not hand it the answer
        assertThat(send("GET", "/api/v1/architectures", Map.of("Sec-Fetch-Site", "cross-site"), null).status())
                .isEqualTo(200);
    }

    @Test
    void everyResponseCarriesTheContentSecurityAndReferrerPolicies() throws Exception {
        Map<String, RawHttp.Response> responses = new LinkedHashMap<>();
        responses.put("dashboard", send("GET", "/", Map.of(), null));
        responses.put("script", send("GET", "/app.js", Map.of(), null));
        responses.put("api", send("GET", "/api/v1/training-jobs", Map.of(), null));
        responses.put("not found", send("GET", "/api/v1/training-jobs/00000000-0000-0000-0000-000000000000", Map.of(), null));
        responses.put("bad host", send("GET", "/", Map.of("Host", "evil.example"), null));
        responses.put("cross-site", send("POST", "/api/v1/training-jobs", Map.of("Sec-Fetch-Site", "cross-site"), null));
        responses.put("health", send("GET", "/actuator/health/liveness", Map.of(), null));

        responses.forEach((what, response) -> {
            assertThat(response.header("Content-Security-Policy")).as(what).isEqualTo(CSP);
            assertThat(response.header("Referrer-Policy")).as(what).isEqualTo("no-referrer");
        });
        assertThat(responses.get("dashboard").body()).contains("<title>cnn-lab</title>").doesNotContain("style=")
                .doesNotContain("<style").doesNotContain("<script>");
    }
}
