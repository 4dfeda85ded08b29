package io.cnnlab.jobs;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

import java.util.UUID;

/** A fresh in-memory H2 with the service's own migrations, for store tests without Spring. */
public final class TestDatabase {

    private TestDatabase() {
    }

    public static JdbcClient create() {
        return JdbcClient.create(dataSource());
    }

    public static javax.sql.DataSource dataSource() {
        javax.sql.DataSource dataSource = empty();
        migrate(dataSource, "latest");
        return dataSource;
    }

    /** A fresh database without any migration applied. */
    public static javax.sql.DataSource empty() {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1");
        dataSource.setUser("sa");
        return dataSource;
    }

    /** Applies the service's migrations up to {@code version} ("latest" for all), as an upgrade would. */
    public static void migrate(javax.sql.DataSource dataSource, String version) {
        Flyway.configure().dataSource(dataSource).target(version).load().migrate();
    }
}
