package io.cnnlab.jobs;

import io.cnnlab.PostgresServer;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import java.util.UUID;

/**
 * A fresh database with the service's own migrations, for store tests without Spring: in-memory H2 (the embedded
 * default) or a new schema on the test run's PostgreSQL cluster (the shared store).
 */
public enum TestDatabase {

    H2 {
        @Override
        public DataSource empty() {
            JdbcDataSource dataSource = new JdbcDataSource();
            dataSource.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1");
            dataSource.setUser("sa");
            return dataSource;
        }
    },
    POSTGRESQL {
        @Override
        public DataSource empty() {
            return PostgresServer.dataSource(PostgresServer.get().createSchema());
        }
    };

    /** A fresh database without any migration applied. */
    public abstract DataSource empty();

    /** A fresh database with every migration applied. */
    public DataSource dataSource() {
        DataSource dataSource = empty();
        migrate(dataSource, "latest");
        return dataSource;
    }

    public JdbcClient create() {
        return JdbcClient.create(dataSource());
    }

    /**
     * Another connection pool on the same database, as a second instance of the service would have: a new pool on
     * PostgreSQL; the same data source on H2, which one process owns.
     */
    public static DataSource anotherPool(DataSource dataSource) {
        if (dataSource instanceof com.zaxxer.hikari.HikariDataSource hikari) {
            return PostgresServer.dataSource(hikari.getJdbcUrl());
        }
        return dataSource;
    }

    /** The service's job store on a migrated database (for tests outside this package). */
    public static JobStore jobStore(DataSource dataSource) {
        return new JdbcJobStore(dataSource);
    }

    /** Applies the service's migrations up to {@code version} ("latest" for all), as an upgrade would. */
    public static void migrate(DataSource dataSource, String version) {
        Flyway.configure().dataSource(dataSource).target(version).load().migrate();
    }
}
