package io.cnnlab;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** JSON over real HTTP to a service a test started on {@code port}: the calls the end-to-end tests share. */
public final class ServiceClient {

    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();

    public ServiceClient(int port) {
        this.port = port;
    }

    /** A request with an optional JSON body. */
    public HttpResponse<String> send(String method, String path, String jsonBody) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30));
        if (jsonBody != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(jsonBody));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Submits a training job, which must be accepted (202); its id. */
    public String submit(String jobJson) throws Exception {
        HttpResponse<String> response = send("POST", "/api/v1/training-jobs", jobJson);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return read(response).get("id").asString();
    }

    public JsonNode job(String id) throws Exception {
        return read(send("GET", "/api/v1/training-jobs/" + id, null));
    }

    public String state(String id) throws Exception {
        return job(id).get("state").asString();
    }

    public int status(String path) throws Exception {
        return send("GET", path, null).statusCode();
    }

    public JsonNode read(HttpResponse<String> response) {
        return json.readTree(response.body());
    }
}
