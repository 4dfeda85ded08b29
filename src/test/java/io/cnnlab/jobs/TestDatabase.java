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
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1");
        dataSource.setUser("sa");
        Flyway.configure().dataSource(dataSource).load().migrate();
        return dataSource;
    }
}
