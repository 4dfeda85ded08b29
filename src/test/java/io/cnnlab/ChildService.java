package io.cnnlab;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * The service in a real child JVM on a state directory that outlives it: for tests that kill it, stop it, starve
 * it of memory and start it again. Its output goes to {@code home/service.log}.
 */
public final class ChildService implements AutoCloseable {

    private final Path home;
    private final Path data;
    private final List<String> jvmOptions;
    private final List<String> arguments;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();
    private Process process;
    private int port;

    public ChildService(Path home, Path data, List<String> jvmOptions, List<String> arguments) {
        this.home = home;
        this.data = data;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.arguments = List.copyOf(arguments);
    }

    /** Sets a variable of the child's environment (e.g. {@code OMP_NUM_THREADS}) for its next start. */
    public ChildService environment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Starts it on a free port and waits until it is ready. */
    public ChildService start() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Application.class.getName(),
                "--server.port=" + port, "--server.address=127.0.0.1", "--cnn.home=" + home, "--cnn.data-dir=" + data, "--cnn.dataset.download=false"));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
        builder.environment().putAll(environment);
        process = builder.start();
        // generous: a JVM start on a machine shared with parallel builds takes minutes
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> http.send(request("/actuator/health/readiness").build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        return this;
    }

    /** kill -9: no shutdown hook, no last write. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then waits for the process to exit; false if it did not within the timeout. */
    public boolean terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends a signal by name ({@code STOP}, {@code CONT}): a paused process is alive but does nothing. */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + pid() + " failed");
        }
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return home.resolve("service.log");
    }

    @Override
    public void close() throws IOException {
        if (process != null) {
            process.destroyForcibly();
        }
        if (Files.exists(log())) {
            // the child's own log, for whoever reads a failure
            List<String> lines = Files.readAllLines(log());
            lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(System.out::println);
        }
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(30));
    }

    public HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    public String get(String path) throws IOException, InterruptedException {
        return send(request(path).build()).body();
    }

    public JsonNode getJson(String path) throws IOException, InterruptedException {
        return json.readTree(get(path));
    }

    public JsonNode postJson(String path, String body) throws IOException, InterruptedException {
        return json.readTree(send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build()).body());
    }

    /** Submits a training job; its id. */
    public String submit(String jobJson) throws IOException, InterruptedException {
        return postJson("/api/v1/training-jobs", jobJson).get("id").asString();
    }

    public JsonNode job(String id) throws IOException, InterruptedException {
        return getJson("/api/v1/training-jobs/" + id);
    }

    public String state(String id) throws IOException, InterruptedException {
        return job(id).get("state").asString();
    }

    /** One number from the database of a stopped service. */
    public long queryLong(String sql) throws SQLException {
        return Long.parseLong(queryString(sql));
    }

    /** One value from the database of a stopped service. */
    public String queryString(String sql) throws SQLException {
        try (Connection db = database(); var rs = db.createStatement().executeQuery(sql)) {
            if (!rs.next()) {
                throw new IllegalStateException("no row for " + sql);
            }
            return rs.getString(1);
        }
    }

    /** The H2 database of a stopped service, opened directly. */
    public Connection database() throws SQLException {
        return DriverManager.getConnection("jdbc:h2:file:" + home.resolve("db/cnn-lab")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE", "sa", "");
    }

    public HttpClient http() {
        return http;
    }
}
