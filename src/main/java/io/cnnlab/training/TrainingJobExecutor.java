package io.cnnlab.training;

import io.cnnlab.networks.ModelFormat;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.checkpoints.Checkpoint;
import io.cnnlab.checkpoints.CheckpointStore;
import io.cnnlab.checkpoints.CorruptCheckpointException;
import io.cnnlab.datasets.DatasetNotFoundException;
import io.cnnlab.datasets.DatasetUnavailableException;
import io.cnnlab.datasets.Datasets;
import io.cnnlab.files.DurableFiles;
import io.cnnlab.jobs.EpochRecord;
import io.cnnlab.jobs.JobControl;
import io.cnnlab.jobs.JobExecutor;
import io.cnnlab.jobs.JobFailedException;
import io.cnnlab.jobs.TrainingJob;
import io.cnnlab.jobs.TrainingProperties;
import io.cnnlab.models.ModelNotFoundException;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;

/**
 * Runs a training job on its data set: the network from the job's latest intact checkpoint (or else from the version
 * it fine-tunes, or a new one), the trainer with
 * checkpoints at every epoch end (and every {@code cnn.training.checkpoint-every-steps}), and one more checkpoint when
 * a shutdown stops it.
 */
@Component
class TrainingJobExecutor implements JobExecutor {

    private static final Logger log = LoggerFactory.getLogger(TrainingJobExecutor.class);

    private final Architectures architectures;
    private final Datasets datasets;
    private final CheckpointStore checkpoints;
    private final TrainingProperties properties;
    private final Trainer trainer;
    private final ModelRegistry models;

    TrainingJobExecutor(Architectures architectures, Datasets datasets, CheckpointStore checkpoints,
                        TrainingProperties properties, Trainer trainer, ModelRegistry models) {
        this.architectures = architectures;
        this.datasets = datasets;
        this.models = models;
        this.checkpoints = checkpoints;
        this.properties = properties;
        this.trainer = trainer;
    }

    @Override
    public Result execute(TrainingJob job, JobControl control) throws InterruptedException {
        try {
            return train(job, control);
        } finally {
            // workspaces hold their peak size for reuse by this thread; after a job, above all one that ran out of
            // memory, that peak would starve the next job on this worker (seen: every later job failed with OOM)
            Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        }
    }

    private Result train(TrainingJob job, JobControl control) throws InterruptedException {
        TrainingPlan plan = TrainingPlans.fromJson(job.architecture(), job.plan());
        Datasets.Splits data;
        try {
            data = datasets.load(job.dataset());
        } catch (DatasetUnavailableException | DatasetNotFoundException e) {
            throw new JobFailedException(e.getMessage(), e);
        }
        ComputationGraph net = restoreOrCreate(job, plan, data.classes().size());
        control.resumingFrom(Networks.steps(net));
        long[] lastCheckpoint = {Networks.steps(net)};
        // decided from the stored epochs: an attempt that died between the decision and the job's end decides again
        String[] stopReason = {Networks.steps(net) < plan.budget(data.train().size()).totalSteps()
                ? earlyStop(plan, control) : null};
        if (stopReason[0] != null) {
            control.recordStopReason(stopReason[0]);
            return Result.COMPLETED;
        }
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onStep(StepProgress p, NetworkSnapshot snapshot) {
                control.reportProgress(new JobControl.Progress(p.epoch(), p.step(), p.totalSteps(), p.imagesPerSecond(),
                        p.etaSeconds(), p.loss()));
                int every = properties.checkpointEverySteps();
                // an epoch's last step is checkpointed by onEpoch, after its metrics: a checkpoint taken here
                // first would let a crash skip that epoch's evaluation for good
                if (every > 0 && p.step() % every == 0 && !p.epochEnd()) {
                    save(control, p.step(), p.epoch(), null, snapshot::writeTo);
                    lastCheckpoint[0] = p.step();
                }
            }

            @Override
            public void onEpoch(EpochMetrics m, NetworkSnapshot snapshot) {
                // metrics first: a crash between the two resumes from an older checkpoint, which drops and redoes
                // this epoch's row; the other order would leave a checkpoint whose epoch has no row
                control.reportEpoch(new EpochRecord(m.epoch(), m.step(), m.trainLoss(), m.trainAccuracy(), m.testLoss(),
                        m.testAccuracy(), m.imagesPerSecond(), m.seconds(), m.dataWaitShare(), m.learningRate(),
                        m.testConfusion() == null ? null : m.testConfusion().toJson()));
                save(control, m.step(), m.epoch(), m.testAccuracy(), snapshot::writeTo);
                lastCheckpoint[0] = m.step();
                stopReason[0] = earlyStop(plan, control);
            }
        };
        TrainingOutcome outcome = trainer.train(net, plan, data.train(), data.test(), listener,
                () -> stopReason[0] != null || control.stopRequested());
        if (outcome.finished()) {
            return Result.COMPLETED;
        }
        if (stopReason[0] != null) {
            control.recordStopReason(stopReason[0]);
            return Result.COMPLETED;
        }
        if (control.shutdownRequested() && outcome.step() != lastCheckpoint[0]) {
            int epoch = plan.budget(data.train().size()).epochOf(outcome.step());
            save(control, outcome.step(), epoch, null, out -> ModelFormat.write(net, out));
        }
        return Result.STOPPED;
    }

    /**
     * A checkpoint that cannot be written fails the job with the reason; the previous checkpoints stay intact. One
     * whose row is refused (the lease is lost) ends the run with {@code LeaseLostException}, the job untouched.
     */
    private void save(JobControl control, long step, int epoch, Double testAccuracy, DurableFiles.Content content) {
        try {
            checkpoints.save(control.lease(), step, epoch, testAccuracy, content);
        } catch (java.io.UncheckedIOException e) {
            throw new JobFailedException(e.getMessage() + " (free disk space under cnn.home, then resubmit)", e);
        }
    }

    /** Why the run stops now, from the job's stored epochs; null to go on (or when the plan has no early stopping). */
    private static String earlyStop(TrainingPlan plan, JobControl control) {
        if (plan.earlyStopping() == null) {
            return null;
        }
        return plan.earlyStopping().decide(control.epochs().stream()
                .map(e -> new EarlyStopping.Epoch(e.epoch(), e.testAccuracy())).toList()).orElse(null);
    }

    /**
     * The newest of the job's own checkpoints that passes its sha256 check (a corrupt one is reported and skipped,
     * never loaded); else, for a continued run, its parent's last checkpoint; else, for fine-tuning, the version it
     * starts from (a resumed fine-tuning continues its own checkpoint); else a new network.
     */
    private ComputationGraph restoreOrCreate(TrainingJob job, TrainingPlan plan, int classes) {
        for (Checkpoint checkpoint : checkpoints.list(job.id())) {
            try (InputStream in = checkpoints.open(checkpoint)) {
                ComputationGraph net = ModelFormat.read(in);
                log.info("job {} resumes from its checkpoint at step {} (epoch {})", job.id(), checkpoint.step(),
                        checkpoint.epoch());
                return net;
            } catch (CorruptCheckpointException e) {
                log.warn("job {}: {}; trying an older checkpoint", job.id(), e.getMessage());
            } catch (IOException | RuntimeException e) {
                log.warn("job {}: checkpoint at step {} cannot be read ({}); trying an older one", job.id(),
                        checkpoint.step(), e.getMessage());
            }
        }
        if (job.parentJob() != null) {
            return fromParent(job);
        }
        if (job.initFromModel() != null) {
            return fineTuned(job, plan, classes);
        }
        return Networks.create(architectures.get(job.architecture()), plan, classes);
    }

    private ComputationGraph fineTuned(TrainingJob job, TrainingPlan plan, int classes) {
        ModelVersion source;
        try {
            source = models.version(job.initFromModel(), job.initFromVersion());
        } catch (ModelNotFoundException e) {
            throw new JobFailedException("the version to fine-tune is gone: " + e.getMessage(), e);
        }
        try (InputStream in = models.open(source)) {
            ComputationGraph net = FineTuning.from(ModelFormat.read(in), architectures.get(job.architecture()), plan,
                    classes, job.freeze());
            log.info("job {} starts from model {} v{} ({} classes{})", job.id(), source.name(), source.version(),
                    classes, job.freeze() ? ", feature layers frozen" : "");
            return net;
        } catch (IOException | RuntimeException e) {
            throw new JobFailedException("model %s v%d cannot be fine-tuned: %s"
                    .formatted(source.name(), source.version(), e.getMessage()), e);
        }
    }

    /**
     * The parent's last checkpoint: weights, updater state and step count, so the schedule and the epoch numbers go
     * on. No older one instead (the budget was counted from the last), and no new network: either would train
     * something other than what was asked for.
     */
    private ComputationGraph fromParent(TrainingJob job) {
        Checkpoint last = checkpoints.list(job.parentJob()).stream().findFirst().orElseThrow(() -> new JobFailedException(
                "job %s continues job %s, whose checkpoints are gone (deleted with the job or by retention)"
                        .formatted(job.id(), job.parentJob()), null));
        try (InputStream in = checkpoints.open(last)) {
            ComputationGraph net = ModelFormat.read(in);
            log.info("job {} continues job {} from its checkpoint at step {} (epoch {})", job.id(), job.parentJob(),
                    last.step(), last.epoch());
            return net;
        } catch (IOException | RuntimeException e) {
            throw new JobFailedException("job %s cannot continue job %s: its checkpoint at step %d cannot be read (%s)"
                    .formatted(job.id(), job.parentJob(), last.step(), e.getMessage()), e);
        }
    }
}
