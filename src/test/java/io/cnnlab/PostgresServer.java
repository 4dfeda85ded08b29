package io.cnnlab;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster for the test run, from Debian's binaries (package {@code postgresql}): created in a
 * temporary directory, listening on a free port of 127.0.0.1 only, fsync off, started once per JVM on first use and
 * removed by a shutdown hook. Each caller takes its own fresh database (the service) or schema (the store tests).
 *
 * <p>initdb and postgres refuse to run as root: as root (here and in CI) they run as the {@code postgres} user.
 */
public final class PostgresServer {

    private static final String SUPERUSER = "postgres";
    private static final Path INSTALLATIONS = Path.of("/usr/lib/postgresql");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private static PostgresServer instance;
    private static RuntimeException failure;

    private final Path bin;
    private final Path dir;
    private final int port;
    private String schemas;

    private PostgresServer(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
    }

    /** The JVM's cluster, started on the first call; a failed start fails every later call the same way, at once. */
    public static synchronized PostgresServer get() {
        if (failure != null) {
            throw failure;
        }
        if (instance == null) {
            try {
                instance = start();
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            }
        }
        return instance;
    }

    /** Creates an empty database and answers its JDBC URL (user {@link #user()}, no password). */
    public String createDatabase() {
        String name = "test_" + SEQUENCE.incrementAndGet();
        execute(url("postgres"), "create database " + name);
        return url(name);
    }

    /**
     * Creates an empty schema in the store tests' shared database and answers a JDBC URL whose connections work in
     * it: as isolated as a database for the migrations and the stores, and far quicker to make than one.
     */
    public synchronized String createSchema() {
        if (schemas == null) {
            schemas = createDatabase();
        }
        String name = "test_" + SEQUENCE.incrementAndGet();
        execute(schemas, "create schema " + name);
        return schemas + "?currentSchema=" + name;
    }

    private static void execute(String url, String sql) {
        try (Connection connection = unpooled(url).getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("could not run '" + sql + "' on " + url, e);
        }
    }

    private String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** The superuser every database belongs to; trusted from 127.0.0.1, so no password. */
    public static String user() {
        return SUPERUSER;
    }

    /**
     * A small pool on a database URL: a PostgreSQL connection is a process, too slow to open per statement. Idle
     * connections close by themselves, so the pools of finished tests do not hold the cluster's connection slots.
     */
    public static DataSource dataSource(String url) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(SUPERUSER);
        config.setMaximumPoolSize(8);
        config.setMinimumIdle(0);
        config.setIdleTimeout(10_000);
        return new HikariDataSource(config);
    }

    private static DataSource unpooled(String url) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(url);
        dataSource.setUser(SUPERUSER);
        return dataSource;
    }

    private static PostgresServer start() {
        Path bin = newestInstallation();
        try {
            Path dir = Files.createTempDirectory("cnn-lab-postgres-");
            PostgresServer server = new PostgresServer(bin, dir, freePort());
            if (runsAsRoot()) {
                // the cluster's files belong to the user that runs it
                run(List.of("chown", SUPERUSER + ":", dir.toString()), dir);
            }
            server.initdb();
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "postgres-test-cluster-stop"));
            server.startCluster();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare the test PostgreSQL cluster", e);
        }
    }

    private void initdb() {
        run(asClusterUser(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", SUPERUSER,
                "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"), dir);
    }

    private void startCluster() {
        String options = String.join(" ", "-p", Integer.toString(port), "-c listen_addresses=127.0.0.1",
                "-c unix_socket_directories=" + dir, "-c fsync=off", "-c synchronous_commit=off",
                "-c full_page_writes=off", "-c max_connections=200");
        run(asClusterUser(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
                "-l", dir.resolve("postgres.log").toString(), "-o", options, "-w", "-t", "60", "start"), dir);
    }

    private void stop() {
        try {
            run(asClusterUser(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
                    "-m", "immediate", "-w", "stop"), dir);
        } catch (RuntimeException e) {
            System.err.println("could not stop the test PostgreSQL cluster in " + dir + ": " + e.getMessage());
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not remove " + dir + ": " + e.getMessage());
        }
    }

    /** The newest of Debian's versioned installations (they are not on the PATH). */
    private static Path newestInstallation() {
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(INSTALLATIONS)) {
            try (Stream<Path> versions = Files.list(INSTALLATIONS)) {
                versions.filter(v -> v.getFileName().toString().matches("\\d+"))
                        .filter(v -> Files.isExecutable(v.resolve("bin/initdb")) && Files.isExecutable(v.resolve("bin/pg_ctl")))
                        .forEach(found::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return found.stream()
                .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString())))
                .map(v -> v.resolve("bin"))
                .orElseThrow(() -> new IllegalStateException("The PostgreSQL tests need initdb and pg_ctl under "
                        + INSTALLATIONS + "/<version>/bin; install them with `apt-get install postgresql` "
                        + "(.ci/run does so)."));
    }

    private static boolean runsAsRoot() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> asClusterUser(String... command) {
        List<String> full = new ArrayList<>();
        if (runsAsRoot()) {
            full.addAll(List.of("runuser", "-u", SUPERUSER, "--"));
        }
        full.addAll(List.of(command));
        return full;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void run(List<String> command, Path dir) {
        try {
            Path output = Files.createTempFile("cnn-lab-postgres-", ".out");
            try {
                Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(output.toFile()).start();
                if (!process.waitFor(90, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command) + " did not finish in 90 s");
                }
                if (process.exitValue() != 0) {
                    String log = Files.readString(output);
                    Path serverLog = dir.resolve("postgres.log");
                    if (Files.isReadable(serverLog)) {
                        log += "\n--- postgres.log ---\n" + Files.readString(serverLog);
                    }
                    throw new IllegalStateException(String.join(" ", command) + " failed (exit "
                            + process.exitValue() + "):\n" + log);
                }
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
    }
}
