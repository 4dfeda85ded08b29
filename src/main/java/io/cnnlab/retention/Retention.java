package io.cnnlab.retention;

import io.cnnlab.checkpoints.CheckpointStore;
import io.cnnlab.jobs.JobStore;
import io.cnnlab.jobs.TrainingJobs;
import io.cnnlab.models.ModelConflictException;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Deletes what {@link RetentionProperties} says has been kept long enough: old model versions beyond a model's
 * newest few, the checkpoints of long-finished jobs, long-finished jobs themselves, checkpoint directories no job
 * owns and checkpoint files no row lists. Versions go first, so that a job whose version has just gone can go in the same sweep.
 */
@Service
public class Retention {

    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    private static final int BATCH = 500;
    /** A checkpoint file gets its row moments after it is written; one this old without a row never will. */
    private static final java.time.Duration ORPHAN_FILE_GRACE = java.time.Duration.ofMinutes(10);

    /** What one sweep deleted. */
    public record Swept(int versions, int checkpointSets, int jobs, int orphanDirectories, int orphanFiles) {
    }

    private final JobStore store;
    private final TrainingJobs jobs;
    private final CheckpointStore checkpoints;
    private final ModelRegistry models;
    private final RetentionProperties properties;
    private final Clock clock;

    Retention(JobStore store, TrainingJobs jobs, CheckpointStore checkpoints, ModelRegistry models,
              RetentionProperties properties, Clock clock) {
        this.store = store;
        this.jobs = jobs;
        this.checkpoints = checkpoints;
        this.models = models;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * Deletes one finished job at a user's request: its row, metrics and checkpoints (a model version it became stays).
     */
    public void deleteJob(String id) {
        jobs.delete(id);
        checkpoints.deleteAll(id);
    }

    public Swept sweep() {
        Instant now = clock.instant();
        int versions = deleteOldVersions();
        int checkpointSets = 0;
        for (String id : store.finishedBefore(now.minus(properties.checkpointsOfFinishedJobs()), BATCH)) {
            if (!checkpoints.list(id).isEmpty()) {
                checkpoints.deleteAll(id);
                checkpointSets++;
            }
        }
        Set<String> jobsWithVersions = models.models().stream().flatMap(m -> m.versions().stream())
                .map(ModelVersion::jobId).filter(Objects::nonNull).collect(Collectors.toSet());
        int deletedJobs = 0;
        for (String id : store.finishedBefore(now.minus(properties.finishedJobs()), BATCH)) {
            if (!jobsWithVersions.contains(id) && store.deleteFinished(id)) {
                checkpoints.deleteAll(id);
                deletedJobs++;
            }
        }
        int orphans = checkpoints.sweepOrphans(store.ids());
        int orphanFiles = checkpoints.sweepOrphanFiles(ORPHAN_FILE_GRACE);
        Swept swept = new Swept(versions, checkpointSets, deletedJobs, orphans, orphanFiles);
        if (versions + checkpointSets + deletedJobs + orphans + orphanFiles > 0) {
            log.info("retention deleted {} model version(s), the checkpoints of {} finished job(s), {} job(s), {} "
                    + "orphaned checkpoint director(ies) and {} checkpoint file(s) without a row", versions,
                    checkpointSets, deletedJobs, orphans, orphanFiles);
        }
        return swept;
    }

    private int deleteOldVersions() {
        int deleted = 0;
        for (ModelRegistry.Model model : models.models()) {
            List<ModelVersion> newestFirst = model.versions();
            for (ModelVersion version : newestFirst.subList(Math.min(properties.versionsPerModel(), newestFirst.size()),
                    newestFirst.size())) {
                if (!version.aliases().isEmpty() || version.version() == model.defaultVersion()) {
                    continue;
                }
                try {
                    models.delete(version.name(), version.version());
                    deleted++;
                } catch (ModelConflictException aliasedMeanwhile) {
                    log.debug("kept {} v{}: {}", version.name(), version.version(), aliasedMeanwhile.getMessage());
                }
            }
        }
        return deleted;
    }
}
