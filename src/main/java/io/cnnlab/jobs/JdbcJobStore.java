package io.cnnlab.jobs;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** {@link JobStore} on plain SQL that H2 and PostgreSQL both accept. */
@Repository
class JdbcJobStore implements JobStore {

    private static final String COLUMNS = "id, architecture, model_name, state, plan, created_at, started_at, "
            + "finished_at, epoch, step, total_steps, images_per_second, eta_seconds, best_test_accuracy, error, attempts";

    private final JdbcClient jdbc;
    private final RowMapper<TrainingJob> jobRows;

    JdbcJobStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
        this.jobRows = this::job;
    }

    @Override
    @Transactional
    public Submitted insert(NewJob job, Instant now) {
        if (job.idempotencyKey() != null) {
            Optional<Submitted> earlier = earlier(job);
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }
        String id = UUID.randomUUID().toString();
        try {
            jdbc.sql("insert into training_job (id, architecture, model_name, state, plan, caller, idempotency_key, "
                            + "request_sha256, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)")
                    .params(id, job.architecture(), job.modelName(), JobState.QUEUED.name(), job.plan(), job.caller(),
                            job.idempotencyKey(), job.requestSha256(), Timestamp.from(now))
                    .update();
        } catch (DuplicateKeyException race) {
            return earlier(job).orElseThrow(() -> race);
        }
        return new Submitted(find(id).orElseThrow(), true);
    }

    /** The job this caller submitted under the same key; refused when it was asked for with another body. */
    private Optional<Submitted> earlier(NewJob job) {
        record Earlier(TrainingJob job, String requestSha256) {
        }
        Optional<Earlier> earlier = jdbc.sql("select " + COLUMNS + ", request_sha256 from training_job "
                        + "where caller = ? and idempotency_key = ?")
                .params(job.caller(), job.idempotencyKey())
                .query((rs, i) -> new Earlier(job(rs, i), rs.getString("request_sha256")))
                .optional();
        if (earlier.isPresent() && !Objects.equals(earlier.get().requestSha256(), job.requestSha256())) {
            throw new IdempotencyKeyReusedException(job.idempotencyKey(), earlier.get().job().id());
        }
        return earlier.map(e -> new Submitted(e.job(), false));
    }

    @Override
    public Optional<TrainingJob> find(String id) {
        return jdbc.sql("select " + COLUMNS + " from training_job where id = ?").param(id).query(jobRows).optional();
    }

    @Override
    public List<TrainingJob> list(JobState state, int page, int size) {
        String where = state == null ? "" : " where state = :state";
        var spec = jdbc.sql("select " + COLUMNS + " from training_job" + where
                        + " order by created_at desc, seq desc limit :size offset :offset")
                .param("size", size)
                .param("offset", (long) page * size);
        if (state != null) {
            spec = spec.param("state", state.name());
        }
        return spec.query(jobRows).list();
    }

    @Override
    public long count(JobState state) {
        return jdbc.sql("select count(*) from training_job where state = ?").param(state.name())
                .query(Long.class).single();
    }

    @Override
    public Map<JobState, Long> countByState() {
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        for (JobState state : JobState.values()) {
            counts.put(state, 0L);
        }
        jdbc.sql("select state, count(*) as n from training_job group by state")
                .query((rs, i) -> counts.put(JobState.valueOf(rs.getString("state")), rs.getLong("n")))
                .list();
        return counts;
    }

    @Override
    @Transactional
    public Optional<TrainingJob> claimNext(Instant now) {
        while (true) {
            Optional<String> oldest = jdbc.sql("select id from training_job where state = ? order by created_at, seq limit 1")
                    .param(JobState.QUEUED.name()).query(String.class).optional();
            if (oldest.isEmpty()) {
                return Optional.empty();
            }
            int claimed = jdbc.sql("update training_job set state = ?, started_at = ?, finished_at = null, "
                            + "attempts = attempts + 1 where id = ? and state = ?")
                    .params(JobState.RUNNING.name(), Timestamp.from(now), oldest.get(), JobState.QUEUED.name())
                    .update();
            if (claimed == 1) {
                return find(oldest.get());
            }
        }
    }

    @Override
    public boolean transition(String id, JobState from, JobState next, String error, Instant now) {
        if (!from.canMoveTo(next)) {
            throw new IllegalArgumentException("a job cannot move from %s to %s".formatted(from, next));
        }
        return jdbc.sql("update training_job set state = :next, error = :error, "
                        + "finished_at = :finished where id = :id and state = :from")
                .param("next", next.name())
                .param("error", error)
                .param("finished", next.isFinal() ? Timestamp.from(now) : null)
                .param("id", id)
                .param("from", from.name())
                .update() == 1;
    }

    @Override
    @Transactional
    public List<String> requeueRunning() {
        List<String> ids = jdbc.sql("select id from training_job where state = ? order by created_at, seq")
                .param(JobState.RUNNING.name()).query(String.class).list();
        jdbc.sql("update training_job set state = ? where state = ?")
                .params(JobState.QUEUED.name(), JobState.RUNNING.name()).update();
        return ids;
    }

    @Override
    public void updateProgress(String id, int epoch, long step, long totalSteps, double imagesPerSecond,
                               double etaSeconds) {
        jdbc.sql("update training_job set epoch = ?, step = ?, total_steps = ?, images_per_second = ?, eta_seconds = ? "
                        + "where id = ?")
                .params(epoch, step, totalSteps, finite(imagesPerSecond), finite(etaSeconds), id)
                .update();
    }

    @Override
    @Transactional
    public void recordEpoch(String id, EpochRecord e) {
        jdbc.sql("delete from epoch_metric where job_id = ? and epoch = ?").params(id, e.epoch()).update();
        jdbc.sql("insert into epoch_metric (job_id, epoch, step, train_loss, train_accuracy, test_loss, test_accuracy, "
                        + "images_per_second, seconds, data_wait_share, learning_rate) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(id, e.epoch(), e.step(), e.trainLoss(), finite(e.trainAccuracy()), e.testLoss(), e.testAccuracy(),
                        e.imagesPerSecond(), e.seconds(), e.dataWaitShare(), e.learningRate())
                .update();
        jdbc.sql("update training_job set best_test_accuracy = (select max(test_accuracy) from epoch_metric where job_id = ?) "
                        + "where id = ?")
                .params(id, id).update();
    }

    @Override
    public List<EpochRecord> metrics(String id) {
        return jdbc.sql("select * from epoch_metric where job_id = ? order by epoch").param(id)
                .query((rs, i) -> epochRecord(rs)).list();
    }

    @Override
    public Map<String, EpochRecord> latestMetrics(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        Map<String, EpochRecord> latest = new HashMap<>();
        jdbc.sql("select * from epoch_metric m where m.job_id in (:ids) "
                        + "and m.epoch = (select max(epoch) from epoch_metric where job_id = m.job_id)")
                .param("ids", List.copyOf(ids))
                .query(rs -> {
                    latest.put(rs.getString("job_id"), epochRecord(rs));
                });
        return latest;
    }

    private static EpochRecord epochRecord(ResultSet rs) throws SQLException {
        return new EpochRecord(rs.getInt("epoch"), rs.getLong("step"), rs.getDouble("train_loss"),
                nullableDouble(rs, "train_accuracy") == null ? Double.NaN : rs.getDouble("train_accuracy"),
                rs.getDouble("test_loss"), rs.getDouble("test_accuracy"), rs.getDouble("images_per_second"),
                rs.getDouble("seconds"), rs.getDouble("data_wait_share"), rs.getDouble("learning_rate"));
    }

    @Override
    public void deleteMetricsAfter(String id, long step) {
        jdbc.sql("delete from epoch_metric where job_id = ? and step > ?").params(id, step).update();
    }

    @Override
    public Set<String> ids() {
        return new HashSet<>(jdbc.sql("select id from training_job").query(String.class).list());
    }

    @Override
    public List<String> finishedBefore(Instant cutoff, int limit) {
        return jdbc.sql("select id from training_job where state in (:final) and finished_at < :cutoff "
                        + "order by finished_at, seq limit :limit")
                .param("final", finalStates())
                .param("cutoff", Timestamp.from(cutoff))
                .param("limit", limit)
                .query(String.class).list();
    }

    @Override
    @Transactional
    public boolean deleteFinished(String id) {
        // the rows that refer to the job go in the same transaction (the schema cascades them too)
        if (jdbc.sql("select count(*) from training_job where id = :id and state in (:final)")
                .param("id", id).param("final", finalStates()).query(Long.class).single() == 0) {
            return false;
        }
        jdbc.sql("delete from epoch_metric where job_id = ?").param(id).update();
        jdbc.sql("delete from checkpoint where job_id = ?").param(id).update();
        return jdbc.sql("delete from training_job where id = :id and state in (:final)")
                .param("id", id).param("final", finalStates()).update() == 1;
    }

    private static List<String> finalStates() {
        return java.util.Arrays.stream(JobState.values()).filter(JobState::isFinal).map(JobState::name).toList();
    }

    private TrainingJob job(ResultSet rs, int row) throws SQLException {
        return new TrainingJob(
                rs.getString("id"),
                rs.getString("architecture"),
                rs.getString("model_name"),
                JobState.valueOf(rs.getString("state")),
                rs.getString("plan"),
                instant(rs, "created_at"),
                instant(rs, "started_at"),
                instant(rs, "finished_at"),
                rs.getInt("epoch"),
                rs.getLong("step"),
                nullableLong(rs, "total_steps"),
                nullableDouble(rs, "images_per_second"),
                nullableDouble(rs, "eta_seconds"),
                nullableDouble(rs, "best_test_accuracy"),
                rs.getString("error"),
                rs.getInt("attempts"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp timestamp = rs.getTimestamp(column);
        return timestamp == null ? null : timestamp.toInstant();
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    private static Double nullableDouble(ResultSet rs, String column) throws SQLException {
        double value = rs.getDouble(column);
        return rs.wasNull() ? null : value;
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
