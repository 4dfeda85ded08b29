package io.cnnlab.models;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.checkpoints.Checkpoint;
import io.cnnlab.checkpoints.CheckpointStore;
import io.cnnlab.datasets.Datasets;
import io.cnnlab.jobs.JobSucceeding;
import io.cnnlab.jobs.TrainingJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A job that succeeds becomes the next version of its model, pointing at the job's best checkpoint, with its data
 * set's class names as labels and where it came from (data set, fine-tuning source). Registered before the job is
 * marked SUCCEEDED ({@link JobSucceeding}), so a succeeded job always shows its version.
 */
@Component
class ModelRegistration {

    private static final Logger log = LoggerFactory.getLogger(ModelRegistration.class);

    private final ModelRegistry registry;
    private final CheckpointStore checkpoints;
    private final Architectures architectures;
    private final Datasets datasets;

    ModelRegistration(ModelRegistry registry, CheckpointStore checkpoints, Architectures architectures,
                      Datasets datasets) {
        this.registry = registry;
        this.checkpoints = checkpoints;
        this.architectures = architectures;
        this.datasets = datasets;
    }

    @EventListener
    void onSucceeding(JobSucceeding succeeding) {
        TrainingJob job = succeeding.job();
        Checkpoint best = checkpoints.best(job.id()).orElse(null);
        if (best == null) {
            log.warn("job {} succeeded without an evaluated checkpoint; no model version registered", job.id());
            return;
        }
        try (InputStream in = checkpoints.open(best)) {
            // a data set in use by a running job is never deleted, so its classes are still there
            List<String> labels = datasets.get(job.dataset()).classes();
            ModelVersion version = registry.register(job.modelName(), job.architecture(), "TRAINED", job.id(),
                    best.step(), best.testAccuracy(), architectures.get(job.architecture()).cost(labels.size()).parameters(),
                    labels, null, job.dataset(), InitFrom.ofNullable(job.initFromModel(), job.initFromVersion()), in);
            log.info("job {} registered as model {} v{} (step {}, test accuracy {})", job.id(), version.name(),
                    version.version(), best.step(), best.testAccuracy());
        } catch (IOException | RuntimeException e) {
            log.error("job {} succeeded but its model could not be registered: {}", job.id(), e.getMessage(), e);
        }
    }
}
