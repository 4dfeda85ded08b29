package io.cnnlab.jobs;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
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
import java.util.function.Supplier;

/**
 * {@link JobStore} on plain SQL that H2 and PostgreSQL both accept, but for two things: the claim, which on
 * PostgreSQL takes its row with {@code FOR UPDATE SKIP LOCKED} (contending instances never wait on one another),
 * and a lease's expiry, the database's clock plus a duration.
 *
 * <p>Transactions are the store's own ({@link TransactionTemplate} on the data source), so they hold however the
 * store is made; a {@link #whileHeld} write through another {@code JdbcClient} on the same data source joins them.
 */
@Repository
class JdbcJobStore implements JobStore {

    private static final String COLUMNS = "id, architecture, model_name, state, plan, created_at, started_at, "
            + "finished_at, epoch, step, total_steps, images_per_second, eta_seconds, best_test_accuracy, error, attempts, "
            + "owner, cancel_requested, stop_reason, parent_job, dataset_id, init_from_model, init_from_version, "
            + "freeze_features";

    /** An epoch's row but its confusion matrix, which is read one epoch at a time ({@link #lastEpoch}). */
    private static final String EPOCH_COLUMNS = "job_id, epoch, step, train_loss, train_accuracy, test_loss, test_accuracy, "
            + "images_per_second, seconds, data_wait_share, learning_rate";

    /** A worker's write lands only while its attempt holds the job. */
    private static final String HELD = "id = :id and owner = :owner and attempts = :attempt and state = 'RUNNING'";

    /**
     * Waiting, or running for a worker that stopped renewing (a RUNNING row from before leases has none). The state
     * list first lets PostgreSQL read only the live jobs through the (state, created_at, seq) index, however many
     * finished ones the table keeps.
     */
    private static final String CLAIMABLE = "(state in ('QUEUED', 'RUNNING') and (state = 'QUEUED' "
            + "or lease_expires_at is null or lease_expires_at < current_timestamp))";

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final Dialect dialect;
    private final RowMapper<TrainingJob> jobRows;

    JdbcJobStore(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        this.dialect = Dialect.of(dataSource);
        this.jobRows = this::job;
    }

    private enum Dialect {
        H2("dateadd(millisecond, :leaseMillis, current_timestamp)", true),
        POSTGRESQL("current_timestamp + :leaseMillis * interval '1 millisecond'", false);

        final String leaseExpiry;
        final boolean embedded;

        Dialect(String leaseExpiry, boolean embedded) {
            this.leaseExpiry = leaseExpiry;
            this.embedded = embedded;
        }

        static Dialect of(DataSource dataSource) {
            try (Connection connection = dataSource.getConnection()) {
                String product = connection.getMetaData().getDatabaseProductName();
                return switch (product) {
                    case "H2" -> H2;
                    case "PostgreSQL" -> POSTGRESQL;
                    default -> throw new IllegalStateException("the job store runs on H2 or PostgreSQL, not " + product);
                };
            } catch (SQLException e) {
                throw new IllegalStateException("cannot reach the job database: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public Submitted insert(NewJob job, Instant now, int maxQueued) {
        try {
            return transactions.execute(status -> {
                // every instance's submissions queue here, so the count below cannot go stale before the insert
                jdbc.sql("select id from job_queue_gate where id = 1 for update").query(Integer.class).single();
                if (job.idempotencyKey() != null) {
                    Optional<Submitted> earlier = earlier(job);
                    if (earlier.isPresent()) {
                        return earlier.get();
                    }
                }
                long queued = count(JobState.QUEUED);
                if (queued >= maxQueued) {
                    throw new QueueFullException(queued, TrainingJobs.RETRY_AFTER_FULL_QUEUE);
                }
                String id = UUID.randomUUID().toString();
                jdbc.sql("insert into training_job (id, architecture, model_name, state, plan, caller, idempotency_key, "
                                + "request_sha256, created_at, parent_job, dataset_id, init_from_model, init_from_version, "
                                + "freeze_features) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                        .params(id, job.architecture(), job.modelName(), JobState.QUEUED.name(), job.plan(), job.caller(),
                                job.idempotencyKey(), job.requestSha256(), Timestamp.from(now), job.parentJob(),
                                job.dataset(), job.initFromModel(), job.initFromVersion(), job.freeze())
                        .update();
                return new Submitted(find(id).orElseThrow(), true);
            });
        } catch (DuplicateKeyException race) {
            // an insert that bypassed the gate (none does today) stored the same key first
            return earlier(job).orElseThrow(() -> race);
        }
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
    public Optional<TrainingJob> claimNext(String owner, Duration lease, Instant now) {
        String set = "update training_job set state = 'RUNNING', owner = :owner, attempts = attempts + 1, "
                + "lease_expires_at = " + dialect.leaseExpiry + ", started_at = :now, finished_at = null ";
        if (dialect == Dialect.POSTGRESQL) {
            // one statement; a row another claimer has locked is skipped, not waited for
            return jdbc.sql(set + "where id = (select id from training_job where " + CLAIMABLE
                            + " order by created_at, seq limit 1 for update skip locked) returning " + COLUMNS)
                    .param("owner", owner).param("leaseMillis", lease.toMillis()).param("now", Timestamp.from(now))
                    .query(jobRows).optional();
        }
        // H2 has no SKIP LOCKED: read the candidate, then take it only if it is still claimable (compare and set)
        while (true) {
            Optional<String> oldest = jdbc.sql("select id from training_job where " + CLAIMABLE
                            + " order by created_at, seq limit 1")
                    .query(String.class).optional();
            if (oldest.isEmpty()) {
                return Optional.empty();
            }
            int claimed = jdbc.sql(set + "where id = :id and " + CLAIMABLE)
                    .param("owner", owner).param("leaseMillis", lease.toMillis()).param("now", Timestamp.from(now))
                    .param("id", oldest.get())
                    .update();
            if (claimed == 1) {
                return find(oldest.get());
            }
        }
    }

    @Override
    public Renewal renew(JobLease lease, Duration duration) {
        int renewed = jdbc.sql("update training_job set lease_expires_at = " + dialect.leaseExpiry + " where " + HELD)
                .param("leaseMillis", duration.toMillis())
                .params(held(lease))
                .update();
        if (renewed == 0) {
            return Renewal.LOST;
        }
        boolean cancel = jdbc.sql("select cancel_requested from training_job where id = ?").param(lease.jobId())
                .query(Boolean.class).optional().orElse(false);
        return cancel ? Renewal.CANCEL_REQUESTED : Renewal.HELD;
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
    public void finish(JobLease lease, JobState next, String error, Instant now) {
        if (!JobState.RUNNING.canMoveTo(next)) {
            throw new IllegalArgumentException("a job cannot move from RUNNING to " + next);
        }
        // a finished job keeps the instance that ran it (the view's worker); a requeued one waits for anyone
        int moved = jdbc.sql("update training_job set state = :next, error = :error, finished_at = :finished, "
                        + "lease_expires_at = null, owner = " + (next.isFinal() ? "owner" : "null") + " where " + HELD)
                .param("next", next.name())
                .param("error", error)
                .param("finished", next.isFinal() ? Timestamp.from(now) : null)
                .params(held(lease))
                .update();
        if (moved == 0) {
            throw new LeaseLostException(lease);
        }
    }

    @Override
    public boolean requestCancel(String id) {
        return jdbc.sql("update training_job set cancel_requested = true where id = ? and state = 'RUNNING'")
                .param(id).update() == 1;
    }

    @Override
    public boolean cancelAbandoned(String id, String error, Instant now) {
        return jdbc.sql("update training_job set state = 'CANCELLED', error = :error, finished_at = :now, "
                        + "lease_expires_at = null where id = :id and state = 'RUNNING' "
                        + "and (lease_expires_at is null or lease_expires_at < current_timestamp)")
                .param("error", error).param("now", Timestamp.from(now)).param("id", id)
                .update() == 1;
    }

    @Override
    public List<String> requeueAtStart(String owner) {
        String mine = dialect.embedded ? "" : " and owner = :owner";
        return transactions.execute(status -> {
            List<String> ids = jdbc.sql("select id from training_job where state = 'RUNNING'" + mine
                            + " order by created_at, seq for update")
                    .params(dialect.embedded ? Map.of() : Map.of("owner", owner))
                    .query(String.class).list();
            if (!ids.isEmpty()) {
                jdbc.sql("update training_job set state = 'QUEUED', owner = null, lease_expires_at = null "
                                + "where id in (:ids) and state = 'RUNNING'")
                        .param("ids", ids).update();
            }
            return ids;
        });
    }

    @Override
    public void updateProgress(JobLease lease, int epoch, long step, long totalSteps, double imagesPerSecond,
                               double etaSeconds) {
        int updated = jdbc.sql("update training_job set epoch = :epoch, step = :step, total_steps = :total, "
                        + "images_per_second = :ips, eta_seconds = :eta where " + HELD)
                .param("epoch", epoch).param("step", step).param("total", totalSteps)
                .param("ips", finite(imagesPerSecond)).param("eta", finite(etaSeconds))
                .params(held(lease))
                .update();
        if (updated == 0) {
            throw new LeaseLostException(lease);
        }
    }

    @Override
    public void recordEpoch(JobLease lease, EpochRecord e) {
        whileHeld(lease, () -> {
            String id = lease.jobId();
            jdbc.sql("delete from epoch_metric where job_id = ? and epoch = ?").params(id, e.epoch()).update();
            jdbc.sql("insert into epoch_metric (" + EPOCH_COLUMNS + ", test_confusion) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                    .params(id, e.epoch(), e.step(), e.trainLoss(), finite(e.trainAccuracy()), e.testLoss(), e.testAccuracy(),
                            e.imagesPerSecond(), e.seconds(), e.dataWaitShare(), e.learningRate(), e.testConfusion())
                    .update();
            jdbc.sql("update training_job set best_test_accuracy = (select max(test_accuracy) from epoch_metric where job_id = ?) "
                            + "where id = ?")
                    .params(id, id).update();
            return null;
        });
    }

    @Override
    public void recordStopReason(JobLease lease, String reason) {
        if (jdbc.sql("update training_job set stop_reason = :reason where " + HELD)
                .param("reason", reason).params(held(lease)).update() == 0) {
            throw new LeaseLostException(lease);
        }
    }

    @Override
    public <T> T whileHeld(JobLease lease, Supplier<T> write) {
        return transactions.execute(status -> {
            // the row lock lasts to the commit: a takeover's claim cannot slip in between this check and the write
            int held = jdbc.sql("update training_job set owner = owner where " + HELD).params(held(lease)).update();
            if (held == 0) {
                throw new LeaseLostException(lease);
            }
            return write.get();
        });
    }

    @Override
    public void deleteMetricsAfter(JobLease lease, long step) {
        whileHeld(lease, () -> jdbc.sql("delete from epoch_metric where job_id = ? and step > ?")
                .params(lease.jobId(), step).update());
    }

    private static Map<String, Object> held(JobLease lease) {
        return Map.of("id", lease.jobId(), "owner", lease.owner(), "attempt", lease.attempt());
    }

    @Override
    public List<EpochRecord> metrics(String id) {
        return jdbc.sql("select " + EPOCH_COLUMNS + " from epoch_metric where job_id = ? order by epoch").param(id)
                .query((rs, i) -> epochRecord(rs, null)).list();
    }

    @Override
    public Optional<EpochRecord> lastEpoch(String id) {
        return jdbc.sql("select " + EPOCH_COLUMNS + ", test_confusion from epoch_metric where job_id = ? "
                        + "order by epoch desc limit 1").param(id)
                .query((rs, i) -> epochRecord(rs, rs.getString("test_confusion"))).optional();
    }

    @Override
    public Map<String, EpochRecord> latestMetrics(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        Map<String, EpochRecord> latest = new HashMap<>();
        jdbc.sql("select " + EPOCH_COLUMNS + " from epoch_metric m where m.job_id in (:ids) "
                        + "and m.epoch = (select max(epoch) from epoch_metric where job_id = m.job_id)")
                .param("ids", List.copyOf(ids))
                .query(rs -> {
                    latest.put(rs.getString("job_id"), epochRecord(rs, null));
                });
        return latest;
    }

    private static EpochRecord epochRecord(ResultSet rs, String testConfusion) throws SQLException {
        return new EpochRecord(rs.getInt("epoch"), rs.getLong("step"), rs.getDouble("train_loss"),
                nullableDouble(rs, "train_accuracy") == null ? Double.NaN : rs.getDouble("train_accuracy"),
                rs.getDouble("test_loss"), rs.getDouble("test_accuracy"), rs.getDouble("images_per_second"),
                rs.getDouble("seconds"), rs.getDouble("data_wait_share"), rs.getDouble("learning_rate"), testConfusion);
    }

    @Override
    public List<String> activeJobsUsing(String datasetId) {
        return jdbc.sql("select id from training_job where dataset_id = ? and state in ('QUEUED', 'RUNNING') "
                + "order by created_at, seq").param(datasetId).query(String.class).list();
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
    public boolean deleteFinished(String id) {
        return transactions.execute(status -> {
            // the rows that refer to the job go in the same transaction (the schema cascades them too)
            if (jdbc.sql("select count(*) from training_job where id = :id and state in (:final)")
                    .param("id", id).param("final", finalStates()).query(Long.class).single() == 0) {
                return false;
            }
            jdbc.sql("delete from epoch_metric where job_id = ?").param(id).update();
            jdbc.sql("delete from checkpoint where job_id = ?").param(id).update();
            return jdbc.sql("delete from training_job where id = :id and state in (:final)")
                    .param("id", id).param("final", finalStates()).update() == 1;
        });
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
                rs.getInt("attempts"),
                rs.getString("owner"),
                rs.getBoolean("cancel_requested"),
                rs.getString("stop_reason"),
                rs.getString("parent_job"),
                rs.getString("dataset_id"),
                rs.getString("init_from_model"),
                nullableInteger(rs, "init_from_version"),
                rs.getBoolean("freeze_features"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp timestamp = rs.getTimestamp(column);
        return timestamp == null ? null : timestamp.toInstant();
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    private static Integer nullableInteger(ResultSet rs, String column) throws SQLException {
        int value = rs.getInt(column);
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
