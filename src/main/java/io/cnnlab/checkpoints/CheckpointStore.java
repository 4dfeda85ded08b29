package io.cnnlab.checkpoints;

import io.cnnlab.files.DurableFiles;
import io.cnnlab.jobs.JobLease;
import io.cnnlab.jobs.JobStore;
import io.cnnlab.jobs.LeaseLostException;
import io.cnnlab.jobs.TrainingProperties;
import io.cnnlab.storage.BlobStore;
import io.cnnlab.storage.CorruptBlobException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checkpoint files under {@code checkpoints/<job>/} in the shared storage ({@link BlobStore}), with their sha256 in
 * the database.
 *
 * <p>A file is stored whole before its row is inserted: a crash leaves either the previous state or a complete new
 * checkpoint (at worst an unlisted file). Reading verifies the sha256 first, so a corrupt file is refused, never
 * loaded. After each save only the newest {@code keep-checkpoints} and the best are kept.
 *
 * <p>Rows are fenced: a save names the job's lease, and its row (and the pruning it causes) commits only while that
 * attempt holds the job. A file whose row is refused is deleted at once; its name carries the attempt, so a stalled
 * worker never overwrites the file of the attempt that took its job over. Files a process left without a row (it
 * died between the two) are swept ({@link #sweepOrphanFiles}).
 */
@Component
public class CheckpointStore {

    private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);
    /** A checkpoint file or the temporary file of one (a write cut short). */
    private static final Pattern CHECKPOINT_FILE = Pattern.compile("\\.?step-\\d{9}(-attempt-\\d+)?\\.zip(\\.tmp)?");
    private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final String PREFIX = "checkpoints/";

    private final BlobStore blobs;
    private final JdbcClient jdbc;
    private final int keep;
    private final Clock clock;
    private final JobStore jobs;
    /** Unlisted files and when this instance first saw them so: the store keeps no modification times. */
    private final Map<String, Instant> unlistedSince = new HashMap<>();

    public CheckpointStore(BlobStore blobs, TrainingProperties training, JdbcClient jdbc, Clock clock, JobStore jobs) {
        this.blobs = blobs;
        this.jdbc = jdbc;
        this.keep = training.keepCheckpoints();
        this.clock = clock;
        this.jobs = jobs;
    }

    /**
     * Writes the file, then its row while {@code lease} holds the job.
     *
     * @throws LeaseLostException when another attempt holds the job (the file is deleted again)
     */
    public Checkpoint save(JobLease lease, long step, int epoch, Double testAccuracy, DurableFiles.Content content) {
        String jobId = lease.jobId();
        String fileName = "step-%09d-attempt-%d.zip".formatted(step, lease.attempt());
        String file = key(jobId, fileName);
        DurableFiles.Written written;
        try {
            written = blobs.put(file, content);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("cannot write checkpoint at step %d of job %s: %s".formatted(step, jobId, e.getMessage()), e.getCause());
        }
        List<Checkpoint> pruned;
        try {
            pruned = jobs.whileHeld(lease, () -> {
                // an earlier attempt's checkpoint at the same step is replaced, its file (another name) goes too
                List<Checkpoint> replaced = new ArrayList<>(list(jobId).stream()
                        .filter(c -> c.step() == step && !c.fileName().equals(fileName)).toList());
                jdbc.sql("delete from checkpoint where job_id = ? and step = ?").params(jobId, step).update();
                jdbc.sql("insert into checkpoint (job_id, step, epoch, test_accuracy, size_bytes, sha256, file_name, created_at) "
                                + "values (?, ?, ?, ?, ?, ?, ?, ?)")
                        .params(jobId, step, epoch, testAccuracy, written.sizeBytes(), written.sha256(), fileName,
                                Timestamp.from(clock.instant()))
                        .update();
                replaced.addAll(pruneRows(jobId));
                return replaced;
            });
        } catch (LeaseLostException refused) {
            log.warn("checkpoint at step {} of job {} refused: {}; its file is deleted", step, jobId, refused.getMessage());
            deleteQuietly(file);
            throw refused;
        } catch (RuntimeException failed) {
            // a file without its row is never read; it would only wait for the orphan sweep
            deleteQuietly(file);
            throw failed;
        }
        // files only once their rows are gone for good
        pruned.forEach(old -> deleteQuietly(key(old)));
        return list(jobId).stream().filter(c -> c.step() == step).findFirst().orElseThrow();
    }

    /** Newest first, the best flagged. */
    public List<Checkpoint> list(String jobId) {
        List<Checkpoint> rows = new ArrayList<>(jdbc.sql("select * from checkpoint where job_id = ? order by step desc")
                .param(jobId)
                .query((rs, i) -> {
                    double accuracy = rs.getDouble("test_accuracy");
                    return new Checkpoint(rs.getString("job_id"), rs.getLong("step"), rs.getInt("epoch"),
                            rs.wasNull() ? null : accuracy, rs.getLong("size_bytes"), rs.getString("sha256").trim(),
                            rs.getString("file_name"), rs.getTimestamp("created_at").toInstant(), false);
                })
                .list());
        Optional<Checkpoint> best = best(rows);
        return rows.stream().map(c -> best.isPresent() && best.get().step() == c.step()
                ? new Checkpoint(c.jobId(), c.step(), c.epoch(), c.testAccuracy(), c.sizeBytes(), c.sha256(),
                c.fileName(), c.createdAt(), true) : c).toList();
    }

    public Optional<Checkpoint> best(String jobId) {
        return list(jobId).stream().filter(Checkpoint::best).findFirst();
    }

    /** Opens a checkpoint after checking its sha256 against the recorded one. */
    public InputStream open(Checkpoint checkpoint) {
        try {
            return blobs.open(key(checkpoint), checkpoint.sha256());
        } catch (CorruptBlobException e) {
            throw new CorruptCheckpointException("checkpoint at step %d of job %s: %s"
                    .formatted(checkpoint.step(), checkpoint.jobId(), e.getMessage()));
        }
    }

    /** The checkpoint's key in the storage. */
    public String key(Checkpoint checkpoint) {
        return key(checkpoint.jobId(), checkpoint.fileName());
    }

    /** Deletes every checkpoint of a job, rows and files, and files without a row (a write cut short). */
    public void deleteAll(String jobId) {
        for (Checkpoint checkpoint : list(jobId)) {
            jdbc.sql("delete from checkpoint where job_id = ? and step = ?").params(jobId, checkpoint.step()).update();
            deleteQuietly(key(checkpoint));
        }
        try {
            for (String key : blobs.list(directory(jobId))) {
                deleteQuietly(key);
            }
        } catch (UncheckedIOException e) {
            log.warn("cannot list the files of job {} in {}: {}", jobId, blobs.describe(), e.getMessage());
        }
    }

    /**
     * Deletes the checkpoint files of jobs the store no longer knows: a job deleted while its files could not be. A
     * known job's files are left alone, whatever its state (a running job writes its file before its row).
     *
     * @return how many jobs' files were deleted
     */
    public int sweepOrphans(Set<String> knownJobs) {
        Set<String> swept = new HashSet<>();
        try {
            for (String key : blobs.list(PREFIX)) {
                String[] parts = key.substring(PREFIX.length()).split("/", 2);
                if (parts.length == 2 && JOB_ID.matcher(parts[0]).matches() && !knownJobs.contains(parts[0])) {
                    deleteQuietly(key);
                    swept.add(parts[0]);
                }
            }
        } catch (UncheckedIOException e) {
            log.warn("cannot sweep {}: {}", blobs.describe(), e.getMessage());
        }
        return swept.size();
    }

    /**
     * Deletes checkpoint files of known jobs that no row lists and that have stayed so for {@code grace}: left by a
     * process that died between writing a file and its row, or by a stalled attempt whose row was refused and that
     * could not delete its file. The grace spares a file whose row is being written right now.
     *
     * @return how many files were deleted
     */
    public synchronized int sweepOrphanFiles(Duration grace) {
        Instant now = clock.instant();
        Instant cutoff = now.minus(grace);
        Set<String> listed = new HashSet<>(jdbc.sql("select job_id, file_name from checkpoint")
                .query((rs, i) -> key(rs.getString("job_id"), rs.getString("file_name"))).list());
        Set<String> unlisted = new HashSet<>();
        int deleted = 0;
        try {
            for (String key : blobs.list(PREFIX)) {
                String[] parts = key.substring(PREFIX.length()).split("/", 2);
                if (parts.length != 2 || !JOB_ID.matcher(parts[0]).matches()
                        || !CHECKPOINT_FILE.matcher(parts[1]).matches() || listed.contains(key)) {
                    continue;
                }
                unlisted.add(key);
                if (unlistedSince.computeIfAbsent(key, k -> now).isBefore(cutoff)) {
                    deleteQuietly(key);
                    unlisted.remove(key);
                    deleted++;
                }
            }
        } catch (UncheckedIOException e) {
            log.warn("cannot sweep {}: {}", blobs.describe(), e.getMessage());
        }
        unlistedSince.keySet().retainAll(unlisted);
        return deleted;
    }

    /** Deletes the rows beyond the newest {@code keep} and the best; answers them, for their files to go. */
    private List<Checkpoint> pruneRows(String jobId) {
        List<Checkpoint> all = list(jobId);
        List<Checkpoint> pruned = new ArrayList<>();
        for (int i = keep; i < all.size(); i++) {
            Checkpoint old = all.get(i);
            if (!old.best()) {
                jdbc.sql("delete from checkpoint where job_id = ? and step = ?").params(jobId, old.step()).update();
                pruned.add(old);
            }
        }
        return pruned;
    }

    private static Optional<Checkpoint> best(List<Checkpoint> newestFirst) {
        return newestFirst.stream().filter(c -> c.testAccuracy() != null)
                .max(Comparator.comparingDouble(Checkpoint::testAccuracy).thenComparingLong(Checkpoint::step));
    }

    private static String directory(String jobId) {
        if (!JOB_ID.matcher(jobId).matches()) {
            throw new IllegalArgumentException("not a job id: " + jobId);
        }
        return PREFIX + jobId + "/";
    }

    private static String key(String jobId, String fileName) {
        return directory(jobId) + fileName;
    }

    private void deleteQuietly(String key) {
        try {
            blobs.delete(key);
        } catch (UncheckedIOException e) {
            log.warn("cannot delete {} from {}: {}", key, blobs.describe(), e.getMessage());
        }
    }

}
