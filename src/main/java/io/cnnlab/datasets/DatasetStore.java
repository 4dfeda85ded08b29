package io.cnnlab.datasets;

import org.springframework.jdbc.core.simple.JdbcClient;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The metadata rows of users' data sets (table {@code dataset}, migration V6). */
final class DatasetStore {

    /** The JSON column: what a row holds beyond its scalar columns. */
    record Details(List<String> classes, Map<String, Dataset.SplitCounts> counts, String split, Double testFraction,
                   List<Dataset.Rejection> rejected, int rejectedCount) {
    }

    private final JdbcClient jdbc;

    DatasetStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(Dataset d) {
        Details details = new Details(d.classes(), d.counts(), d.split(), d.testFraction(), d.rejected(), d.rejectedCount());
        jdbc.sql("insert into dataset (id, name, source, images, sha256, created_at, details) values (?, ?, ?, ?, ?, ?, ?)")
                .params(d.id(), d.name(), d.source(), d.images(), d.sha256(), Timestamp.from(d.createdAt()),
                        DatasetBuilder.JSON.writeValueAsString(details))
                .update();
    }

    Optional<Dataset> find(String id) {
        return jdbc.sql("select * from dataset where id = ?").param(id).query(DatasetStore::row).optional();
    }

    /** Newest first. */
    List<Dataset> page(long offset, int limit) {
        return jdbc.sql("select * from dataset order by created_at desc, id limit ? offset ?")
                .params(limit, offset).query(DatasetStore::row).list();
    }

    long count() {
        return jdbc.sql("select count(*) from dataset").query(Long.class).single();
    }

    Set<String> ids() {
        return new HashSet<>(jdbc.sql("select id from dataset").query(String.class).list());
    }

    boolean delete(String id) {
        return jdbc.sql("delete from dataset where id = ?").param(id).update() > 0;
    }

    private static Dataset row(ResultSet rs, int n) throws SQLException {
        Details details = DatasetBuilder.JSON.readValue(rs.getString("details"), Details.class);
        return new Dataset(rs.getString("id"), rs.getString("name"), rs.getString("source"), details.classes(),
                details.counts(), rs.getInt("images"), details.split(), details.testFraction(), details.rejected(),
                details.rejectedCount(), rs.getString("sha256"), rs.getTimestamp("created_at").toInstant());
    }
}
