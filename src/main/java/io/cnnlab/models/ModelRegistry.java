package io.cnnlab.models;

import io.cnnlab.CnnProperties;
import io.cnnlab.files.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Model versions and aliases. Each version owns a copy of its network file under {@code cnn.home/models/<name>/},
 * written durably ({@link DurableFiles}) with its sha256 recorded, so pruning or deleting a job never breaks a served
 * model.
 */
@Component
public class ModelRegistry {

    public static final String PRODUCTION = "production";
    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    /** A model with its versions, newest first, and where its default points. */
    public record Model(String name, int defaultVersion, List<ModelVersion> versions) {
    }

    private final Path root;
    private final JdbcClient jdbc;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    /**
     * Every version by model name, newest first, read once and kept until the next change: each classification
     * resolves its model, and two queries per request were a tenth of the serving cost. A snapshot is valid only for
     * the generation it was read in; every change moves the generation when it starts and again when its
     * transaction ends, so a reader whose query overlapped a change never publishes what it read.
     */
    private volatile Snapshot snapshot;
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();

    private record Snapshot(long generation, Map<String, List<ModelVersion>> byName) {
    }

    ModelRegistry(CnnProperties properties, JdbcClient jdbc, Clock clock, ApplicationEventPublisher events) {
        this.root = properties.home().resolve("models");
        this.jdbc = jdbc;
        this.clock = clock;
        this.events = events;
    }

    /** Registers the next version of {@code name} from a network file; once per job (a retry returns the first). */
    @Transactional
    public ModelVersion register(String name, String architecture, String source, String jobId, Long step,
                                 Double testAccuracy, long parameters, List<String> labels, InputStream network) {
        return register(name, architecture, source, jobId, step, testAccuracy, parameters, labels, null, network);
    }

    /**
     * @param uploadSha256 the sha256 of the bytes a user uploaded, when {@code network} is the service's rewrite of
     *                     them (an import); null otherwise
     */
    @Transactional
    public ModelVersion register(String name, String architecture, String source, String jobId, Long step,
                                 Double testAccuracy, long parameters, List<String> labels, String uploadSha256,
                                 InputStream network) {
        ModelNames.checkName(name);
        changing();
        checkNameAvailable(name);
        if (jobId != null) {
            Optional<ModelVersion> existing = query("where job_id = ?", jobId).stream().findFirst();
            if (existing.isPresent()) {
                return existing.get();
            }
        }
        int version = nextVersion(name);
        String fileName = "v" + version + ".zip";
        try {
            DurableFiles.Written written = DurableFiles.write(root.resolve(name).resolve(fileName), network::transferTo);
            jdbc.sql("insert into model_version (name, version, architecture, source, job_id, checkpoint_step, test_accuracy, "
                            + "parameters, labels, file_name, size_bytes, sha256, upload_sha256, created_at) "
                            + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                    .params(name, version, architecture, source, jobId, step, testAccuracy, parameters,
                            String.join("\n", labels), fileName, written.sizeBytes(), written.sha256(), uploadSha256,
                            Timestamp.from(clock.instant()))
                    .update();
            ModelVersion registered = version(name, version);
            events.publishEvent(new ModelVersionRegistered(registered));
            return registered;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store model " + name + " v" + version + ": " + e.getMessage(), e);
        }
    }

    /**
     * The model's high-water mark moved up by one, in the caller's transaction: numbers are never given twice, even
     * after the newest version or the whole model was deleted (a client holding "v2" must never get another network).
     * The update locks the row, so concurrent registrations of one model take turns.
     */
    private int nextVersion(String name) {
        int updated = jdbc.sql("update model_name set last_version = last_version + 1 where name = ?").param(name).update();
        if (updated == 0) {
            jdbc.sql("insert into model_name (name, last_version) values (?, 1)").param(name).update();
        }
        return jdbc.sql("select last_version from model_name where name = ?").param(name).query(Integer.class).single();
    }

    /**
     * Refuses a name that differs from a registered model's only in case (names are directories: on a
     * case-insensitive file system "Cats" would write into "cats"). Job submission asks before training, registration
     * again before writing.
     */
    public void checkNameAvailable(String name) {
        ModelNames.checkNoCaseCollision(ModelNames.checkName(name),
                jdbc.sql("select distinct name from model_version where lower(name) = ?")
                        .param(ModelNames.folded(name)).query(String.class).list());
    }

    public List<Model> models() {
        return snapshot().entrySet().stream()
                .map(e -> new Model(e.getKey(), defaultOf(e.getValue()).version(), e.getValue())).toList();
    }

    public Model model(String name) {
        List<ModelVersion> versions = snapshot().get(ModelNames.checkName(name));
        if (versions == null) {
            throw new ModelNotFoundException("no model named '" + name + "'");
        }
        return new Model(name, defaultOf(versions).version(), versions);
    }

    public ModelVersion version(String name, int version) {
        return snapshot().getOrDefault(ModelNames.checkName(name), List.of()).stream()
                .filter(v -> v.version() == version).findFirst()
                .orElseThrow(() -> new ModelNotFoundException("model '%s' has no version %d".formatted(name, version)));
    }

    /** The version requests without a version get: alias {@code production} if set, else the newest. */
    public ModelVersion defaultVersion(String name) {
        List<ModelVersion> versions = model(name).versions();
        return defaultOf(versions);
    }

    public ModelVersion byAlias(String name, String alias) {
        ModelNames.checkAlias(alias);
        return snapshot().getOrDefault(ModelNames.checkName(name), List.of()).stream()
                .filter(v -> v.aliases().contains(alias)).findFirst()
                .orElseThrow(() -> new ModelNotFoundException("model '%s' has no alias '%s'".formatted(name, alias)));
    }

    @Transactional
    public ModelVersion setAlias(String name, String alias, int version) {
        ModelNames.checkAlias(alias);
        version(name, version);
        changing();
        jdbc.sql("delete from model_alias where name = ? and alias = ?").params(name, alias).update();
        jdbc.sql("insert into model_alias (name, alias, version) values (?, ?, ?)").params(name, alias, version).update();
        return version(name, version);
    }

    @Transactional
    public void delete(String name, int version) {
        ModelVersion target = version(name, version);
        if (!target.aliases().isEmpty()) {
            throw new ModelConflictException("model '%s' v%d is the target of alias(es) %s; move them first"
                    .formatted(name, version, String.join(", ", target.aliases())));
        }
        changing();
        jdbc.sql("delete from model_version where name = ? and version = ?").params(name, version).update();
        try {
            Files.deleteIfExists(file(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes an alias; requests without a version then get the newest again when it was {@code production}. */
    @Transactional
    public void deleteAlias(String name, String alias) {
        ModelNames.checkAlias(alias);
        model(name);
        changing();
        if (jdbc.sql("delete from model_alias where name = ? and alias = ?").params(name, alias).update() == 0) {
            throw new ModelNotFoundException("model '%s' has no alias '%s'".formatted(name, alias));
        }
    }

    /**
     * Deletes every version of a model, its aliases and its files. Refused while a queued or running job will register
     * into the name: the user asked for that version, and deleting the model under it would either lose the cleanup
     * (the job recreates the model) or surprise whoever reads the job. The numbering continues if the name comes back.
     */
    @Transactional
    public void deleteModel(String name) {
        Model model = model(name);
        List<String> pending = jdbc.sql("select id from training_job where model_name = ? and state in ('QUEUED', 'RUNNING') "
                + "order by created_at").param(name).query(String.class).list();
        if (!pending.isEmpty()) {
            throw new ModelConflictException("model '%s' is the target of %d queued or running training job(s) (%s); "
                    .formatted(name, pending.size(), String.join(", ", pending))
                    + "cancel them or wait until they finish, then delete the model");
        }
        changing();
        jdbc.sql("delete from model_alias where name = ?").param(name).update();
        jdbc.sql("delete from model_version where name = ?").param(name).update();
        // the files go only once the rows are gone for good: a rollback must not leave versions without their files
        afterCommit(() -> {
            for (ModelVersion version : model.versions()) {
                try {
                    Files.deleteIfExists(file(version));
                } catch (IOException e) {
                    log.warn("model {} v{} deleted, but its file could not be removed: {}", name, version.version(),
                            e.getMessage());
                }
            }
            try {
                Files.deleteIfExists(root.resolve(name));
            } catch (IOException e) {
                log.warn("model {} deleted, but its directory could not be removed: {}", name, e.getMessage());
            }
        });
    }

    private static void afterCommit(Runnable action) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            action.run();
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                action.run();
            }
        });
    }

    public Path file(ModelVersion version) {
        return root.resolve(ModelNames.checkName(version.name())).resolve("v" + version.version() + ".zip");
    }

    /**
     * Inside a transaction always read afresh: a write must see its own uncommitted rows (a snapshot another thread
     * published would lack them: a registration then failed to find the version it had just inserted), and other
     * readers must never see them.
     */
    private Map<String, List<ModelVersion>> snapshot() {
        boolean inTransaction = TransactionSynchronizationManager.isActualTransactionActive();
        Snapshot current = snapshot;
        long now = generation.get();
        if (!inTransaction && current != null && current.generation() == now) {
            return current.byName();
        }
        Map<String, List<ModelVersion>> byName = new TreeMap<>();
        for (ModelVersion v : query("order by name, version desc")) {
            byName.computeIfAbsent(v.name(), n -> new ArrayList<>()).add(v);
        }
        byName.replaceAll((name, versions) -> List.copyOf(versions));
        Map<String, List<ModelVersion>> read = java.util.Collections.unmodifiableMap(byName);
        if (!inTransaction && generation.get() == now) {
            snapshot = new Snapshot(now, read);
        }
        return read;
    }

    /** Called before a write: moves the generation now and again when the transaction has ended. */
    private void changing() {
        generation.incrementAndGet();
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    generation.incrementAndGet();
                }
            });
        }
    }

    private static ModelVersion defaultOf(List<ModelVersion> newestFirst) {
        return newestFirst.stream().filter(v -> v.aliases().contains(PRODUCTION)).findFirst()
                .orElse(newestFirst.get(0));
    }

    /** {@code char(64)} columns may come back padded. */
    private static String trimmed(String value) {
        return value == null ? null : value.trim();
    }

    private List<ModelVersion> query(String clause, Object... params) {
        Map<String, List<String>> aliases = new TreeMap<>();
        jdbc.sql("select name, alias, version from model_alias order by alias")
                .query((rs, i) -> aliases.computeIfAbsent(rs.getString("name") + "/" + rs.getInt("version"),
                        k -> new ArrayList<>()).add(rs.getString("alias")))
                .list();
        return jdbc.sql("select * from model_version " + clause).params(params)
                .query((rs, i) -> {
                    double accuracy = rs.getDouble("test_accuracy");
                    Double testAccuracy = rs.wasNull() ? null : accuracy;
                    long step = rs.getLong("checkpoint_step");
                    Long checkpointStep = rs.wasNull() ? null : step;
                    String name = rs.getString("name");
                    int version = rs.getInt("version");
                    return new ModelVersion(name, version, rs.getString("architecture"), rs.getString("source"),
                            rs.getString("job_id"), checkpointStep, testAccuracy, rs.getLong("parameters"),
                            Arrays.asList(rs.getString("labels").split("\n")), rs.getLong("size_bytes"),
                            rs.getString("sha256").trim(), trimmed(rs.getString("upload_sha256")),
                            rs.getTimestamp("created_at").toInstant(),
                            List.copyOf(aliases.getOrDefault(name + "/" + version, List.of())));
                })
                .list();
    }
}
