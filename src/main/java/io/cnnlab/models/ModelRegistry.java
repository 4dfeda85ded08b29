package io.cnnlab.models;

import io.cnnlab.files.DurableFiles;
import io.cnnlab.storage.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import javax.sql.DataSource;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Model versions and aliases. Each version owns a copy of its network file under {@code models/<name>/} in the
 * shared storage ({@link BlobStore}), with its sha256 recorded, so pruning or deleting a job never breaks a served
 * model.
 *
 * <p>Every instance of a cluster serves the same registry: each change moves the database's registry revision in
 * its transaction (and, on PostgreSQL, notifies the other instances at commit); {@link RegistryWatch} notices a
 * revision this instance has not read and calls {@link #refreshIfChanged()}, which loads the new defaults before
 * it switches to them and tells serving which versions are gone.
 */
@Component
public class ModelRegistry {

    public static final String PRODUCTION = "production";
    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    /** A model with its versions, newest first, and where its default points. */
    public record Model(String name, int defaultVersion, List<ModelVersion> versions) {
    }

    static final String CHANNEL = "cnn_model_registry";

    private final BlobStore blobs;
    private final JdbcClient jdbc;
    private final boolean notifies;
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

    /** @param revision the database's registry revision read before the rows, so never newer than they are */
    private record Snapshot(long generation, long revision, Map<String, List<ModelVersion>> byName) {
    }

    @Autowired
    ModelRegistry(BlobStore blobs, JdbcClient jdbc, DataSource dataSource, Clock clock, ApplicationEventPublisher events) {
        this(blobs, jdbc, RegistryWatch.isPostgres(dataSource), clock, events);
    }

    /** @param notifies PostgreSQL: each change notifies the other instances' {@link RegistryWatch} at commit */
    ModelRegistry(BlobStore blobs, JdbcClient jdbc, boolean notifies, Clock clock, ApplicationEventPublisher events) {
        this.blobs = blobs;
        this.jdbc = jdbc;
        this.notifies = notifies;
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
        return register(name, architecture, source, jobId, step, testAccuracy, parameters, labels, uploadSha256,
                null, null, network);
    }

    /**
     * @param dataset  the data set the network was trained on (null for an import)
     * @param initFrom the version it was fine-tuned from, or null
     */
    @Transactional
    public ModelVersion register(String name, String architecture, String source, String jobId, Long step,
                                 Double testAccuracy, long parameters, List<String> labels, String uploadSha256,
                                 String dataset, InitFrom initFrom, InputStream network) {
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
            DurableFiles.Written written = blobs.put(key(name, version), network::transferTo);
            jdbc.sql("insert into model_version (name, version, architecture, source, job_id, checkpoint_step, test_accuracy, "
                            + "parameters, labels, file_name, size_bytes, sha256, upload_sha256, created_at, dataset_id, "
                            + "init_from_model, init_from_version) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                    .params(name, version, architecture, source, jobId, step, testAccuracy, parameters,
                            String.join("\n", labels), fileName, written.sizeBytes(), written.sha256(), uploadSha256,
                            Timestamp.from(clock.instant()), dataset, initFrom == null ? null : initFrom.model(),
                            initFrom == null ? null : initFrom.version())
                    .update();
            revisionMoved();
            ModelVersion registered = version(name, version);
            events.publishEvent(new ModelVersionRegistered(registered));
            return registered;
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("cannot store model " + name + " v" + version + ": " + e.getMessage(), e.getCause());
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
            // a new model: instances registering its first versions at once would all insert; one row is made (the
            // others wait for it), then each moves it up in turn
            jdbc.sql("insert into model_name (name, last_version) values (?, 0) on conflict do nothing").param(name).update();
            jdbc.sql("update model_name set last_version = last_version + 1 where name = ?").param(name).update();
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
        revisionMoved();
        return version(name, version);
    }

    @Transactional
    public void delete(String name, int version) {
        ModelVersion target = version(name, version);
        if (!target.aliases().isEmpty()) {
            throw new ModelConflictException("model '%s' v%d is the target of alias(es) %s; move them first"
                    .formatted(name, version, String.join(", ", target.aliases())));
        }
        // a queued job reads these weights when it starts, a running one again if it restarts before its first checkpoint
        List<String> tuning = jdbc.sql("select id from training_job where init_from_model = ? and init_from_version = ? "
                + "and state in ('QUEUED', 'RUNNING') order by created_at").params(name, version).query(String.class).list();
        if (!tuning.isEmpty()) {
            throw new ModelConflictException("model '%s' v%d is what %d queued or running training job(s) (%s) fine-tune "
                    .formatted(name, version, tuning.size(), String.join(", ", tuning))
                    + "from; cancel them or wait until they finish, then delete it");
        }
        changing();
        jdbc.sql("delete from model_version where name = ? and version = ?").params(name, version).update();
        revisionMoved();
        // the file goes only once the row is gone for good: a rollback must not leave a version without its file
        afterCommit(() -> {
            deleteFile(target);
            events.publishEvent(new ModelVersionDeleted(target));
        });
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
        revisionMoved();
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
        List<String> tuning = jdbc.sql("select id from training_job where init_from_model = ? and state in ('QUEUED', 'RUNNING') "
                + "order by created_at").param(name).query(String.class).list();
        if (!tuning.isEmpty()) {
            throw new ModelConflictException("%d queued or running training job(s) (%s) fine-tune from a version of model '%s'; "
                    .formatted(tuning.size(), String.join(", ", tuning), name)
                    + "cancel them or wait until they finish, then delete the model");
        }
        changing();
        jdbc.sql("delete from model_alias where name = ?").param(name).update();
        jdbc.sql("delete from model_version where name = ?").param(name).update();
        revisionMoved();
        // the files go only once the rows are gone for good: a rollback must not leave versions without their files
        afterCommit(() -> {
            for (ModelVersion version : model.versions()) {
                deleteFile(version);
                events.publishEvent(new ModelVersionDeleted(version));
            }
        });
    }

    private void deleteFile(ModelVersion version) {
        try {
            blobs.delete(key(version));
        } catch (UncheckedIOException e) {
            log.warn("model {} v{} deleted, but its file could not be removed: {}", version.name(), version.version(),
                    e.getMessage());
        }
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

    /** The version's network file in the storage. */
    public String key(ModelVersion version) {
        return key(version.name(), version.version());
    }

    private static String key(String name, int version) {
        return "models/" + ModelNames.checkName(name) + "/v" + version + ".zip";
    }

    /** The version's network file, checked against its recorded sha256 (see {@link BlobStore#open}). */
    public InputStream open(ModelVersion version) {
        return blobs.open(key(version), version.sha256());
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
        Snapshot read = read(now);
        if (!inTransaction && generation.get() == now) {
            snapshot = read;
        }
        return read.byName();
    }

    private Snapshot read(long generation) {
        long revision = revision();
        Map<String, List<ModelVersion>> byName = new TreeMap<>();
        for (ModelVersion v : query("order by name, version desc")) {
            byName.computeIfAbsent(v.name(), n -> new ArrayList<>()).add(v);
        }
        byName.replaceAll((name, versions) -> List.copyOf(versions));
        return new Snapshot(generation, revision, java.util.Collections.unmodifiableMap(byName));
    }

    private long revision() {
        return jdbc.sql("select revision from model_registry_revision where id = 1").query(Long.class).single();
    }

    /**
     * Takes in a change another instance made, if there is one: the cheap revision check first; then the models
     * whose default moved are loaded ({@link ModelDefaultChanging}, on this thread) before the new state is
     * served, and the versions that are gone are announced ({@link ModelVersionDeleted}). One caller at a time
     * (the watch's poll and its notification listener both call it).
     */
    public synchronized void refreshIfChanged() {
        Snapshot served = snapshot;
        if (served != null && served.revision() == revision() && served.generation() == generation.get()) {
            return;
        }
        long now = generation.get();
        Snapshot read = read(now);
        Map<String, List<ModelVersion>> before = served == null ? Map.of() : served.byName();
        if (served != null) {
            read.byName().forEach((name, versions) -> {
                ModelVersion next = defaultOf(versions);
                List<ModelVersion> old = before.get(name);
                if (old == null || !sameVersion(defaultOf(old), next)) {
                    events.publishEvent(new ModelDefaultChanging(next));
                }
            });
        }
        if (generation.get() == now) {
            snapshot = read;
        }
        Set<String> present = new HashSet<>();
        read.byName().values().forEach(vs -> vs.forEach(v -> present.add(v.name() + "/" + v.version())));
        before.values().forEach(vs -> vs.stream().filter(v -> !present.contains(v.name() + "/" + v.version()))
                .forEach(v -> events.publishEvent(new ModelVersionDeleted(v))));
    }

    private static boolean sameVersion(ModelVersion a, ModelVersion b) {
        return a.name().equals(b.name()) && a.version() == b.version();
    }

    /**
     * The last statement of every change: the revision row is locked until commit, so it is moved as late as
     * possible (never while a file uploads). On PostgreSQL the notification goes out at commit, never before.
     */
    private void revisionMoved() {
        jdbc.sql("update model_registry_revision set revision = revision + 1 where id = 1").update();
        // outside a transaction (each statement commits) nothing moves the generation at the end: a snapshot the
        // watch read after changing() but before the write must not be served
        generation.incrementAndGet();
        if (notifies) {
            jdbc.sql("select pg_notify('" + CHANNEL + "', '')").query((rs, i) -> 1).list();
        }
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
                    int fromVersion = rs.getInt("init_from_version");
                    boolean noFromVersion = rs.wasNull();
                    InitFrom initFrom = InitFrom.ofNullable(rs.getString("init_from_model"),
                            noFromVersion ? null : fromVersion);
                    return new ModelVersion(name, version, rs.getString("architecture"), rs.getString("source"),
                            rs.getString("job_id"), checkpointStep, testAccuracy, rs.getLong("parameters"),
                            Arrays.asList(rs.getString("labels").split("\n")), rs.getLong("size_bytes"),
                            rs.getString("sha256").trim(), trimmed(rs.getString("upload_sha256")),
                            rs.getTimestamp("created_at").toInstant(),
                            List.copyOf(aliases.getOrDefault(name + "/" + version, List.of())),
                            rs.getString("dataset_id"), initFrom);
                })
                .list();
    }
}
