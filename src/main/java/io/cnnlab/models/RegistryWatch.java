package io.cnnlab.models;

import com.zaxxer.hikari.HikariDataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps this instance's registry in step with the others'. Two paths, either enough on its own:
 * <ul>
 *     <li>a poll of the registry revision every {@code cnn.models.poll-interval} (the floor, and the only path on
 *     H2);</li>
 *     <li>on PostgreSQL, {@code LISTEN} on a connection of its own (outside the pool, which it would hold forever),
 *     so a change shows within a moment of its commit. A lost connection (a restarted server, an administrator's
 *     {@code pg_terminate_backend}) is opened again after {@code cnn.models.listen-retry}, and the registry is
 *     checked at once, for what was missed meanwhile.</li>
 * </ul>
 */
@Component
class RegistryWatch implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RegistryWatch.class);
    static final String APPLICATION_NAME = "cnn-lab registry watch";

    private final ModelRegistry registry;
    private final DataSource dataSource;
    private final RegistryProperties properties;
    private final boolean postgres;
    private volatile boolean running;
    private volatile Connection listening;
    private volatile int listenerPid;
    private ScheduledExecutorService poll;
    private Thread listener;

    RegistryWatch(ModelRegistry registry, DataSource dataSource, RegistryProperties properties) {
        this.registry = registry;
        this.dataSource = dataSource;
        this.properties = properties;
        this.postgres = isPostgres(dataSource);
    }

    static boolean isPostgres(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection()) {
            return "PostgreSQL".equals(connection.getMetaData().getDatabaseProductName());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reach the database: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        poll = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "model-registry-poll");
            thread.setDaemon(true);
            return thread;
        });
        long interval = properties.pollInterval().toMillis();
        poll.scheduleWithFixedDelay(this::refresh, interval, interval, TimeUnit.MILLISECONDS);
        if (postgres) {
            listener = new Thread(this::listen, "model-registry-listen");
            listener.setDaemon(true);
            listener.start();
        }
    }

    @Override
    public synchronized void stop() {
        running = false;
        if (poll != null) {
            poll.shutdownNow();
        }
        Connection connection = listening;
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }
        if (listener != null) {
            listener.interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** The server process of the listening connection (0 while there is none): the tests end it. */
    int listenerPid() {
        return listenerPid;
    }

    private void refresh() {
        try {
            registry.refreshIfChanged();
        } catch (RuntimeException e) {
            log.warn("cannot check the model registry for changes: {}", e.getMessage());
        }
    }

    private void listen() {
        while (running) {
            try (Connection connection = connect()) {
                listening = connection;
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + ModelRegistry.CHANNEL);
                    try (ResultSet pid = statement.executeQuery("select pg_backend_pid()")) {
                        pid.next();
                        listenerPid = pid.getInt(1);
                    }
                }
                log.debug("listening for model registry changes (backend {})", listenerPid);
                refresh(); // whatever changed while there was no listener
                PGConnection pg = connection.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(1000);
                    if (notifications != null && notifications.length > 0) {
                        refresh();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    log.warn("lost the model registry notifications ({}); connecting again in {} (until then the "
                            + "registry is polled)", e.getMessage(), properties.listenRetry());
                }
            } finally {
                listening = null;
                listenerPid = 0;
            }
            try {
                Thread.sleep(properties.listenRetry().toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A connection of its own, with the pool's settings; a pool's connection when the pool is not Hikari. */
    private Connection connect() throws SQLException {
        if (dataSource.isWrapperFor(HikariDataSource.class)) {
            HikariDataSource hikari = dataSource.unwrap(HikariDataSource.class);
            Properties connection = new Properties();
            connection.putAll(hikari.getDataSourceProperties());
            if (hikari.getUsername() != null) {
                connection.setProperty("user", hikari.getUsername());
            }
            if (hikari.getPassword() != null) {
                connection.setProperty("password", hikari.getPassword());
            }
            connection.setProperty("ApplicationName", APPLICATION_NAME);
            connection.setProperty("tcpKeepAlive", "true");
            return DriverManager.getConnection(hikari.getJdbcUrl(), connection);
        }
        return dataSource.getConnection();
    }
}
