package io.cnnlab.web;

import io.cnnlab.jobs.EpochRecord;
import io.cnnlab.jobs.JobControl;
import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.TrainingJob;
import io.cnnlab.models.InitFrom;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.training.EarlyStopping;
import io.cnnlab.training.TrainingPlan;
import io.cnnlab.training.TrainingPlans;

import java.time.Instant;

/**
 * A training job as the API shows it: stored state with the live progress of a running job laid over it, the
 * plan it trains with (its network's recipe with the request's fields laid over it), and the model version it became
 * ({@code model}, null until the job has succeeded and been registered). {@code loss} is the latest batch's training
 * loss while the job runs here; otherwise (ended, queued again, or running on another instance) the train loss of its
 * last recorded epoch, so a finished job keeps one. {@code worker} is the instance that runs the job (or last ran it;
 * null while it waits), {@code attempts} the number of its current (or last) attempt. {@code earlyStopping} is the
 * plan's (null when it runs its whole budget), {@code parentJob} the job it continues (null for a new run),
 * {@code stopReason} why it SUCCEEDED before its budget (null when it ran it all). {@code dataset} is the data set
 * it trains on, {@code initFrom} the version it fine-tunes (null for a new network), {@code freeze} whether that
 * version's feature layers stay fixed.
 */
record TrainingJobView(String id, String architecture, String modelName, JobState state, Instant createdAt,
                              Instant startedAt, Instant finishedAt, double progress, int epoch, long step,
                              Long totalSteps, Double imagesPerSecond, Double etaSeconds, Double loss,
                              EpochRecord latestMetrics, Double bestTestAccuracy, String error, int attempts,
                              String worker, TrainingPlan plan, ModelRef model, EarlyStopping earlyStopping,
                              String parentJob, String stopReason, String dataset, InitFrom initFrom,
                              boolean freeze) {

    /** The model version a job became: GET /api/v1/models/{name}/versions/{version}. */
    record ModelRef(String name, int version) {

        static ModelRef of(ModelVersion version) {
            return version == null ? null : new ModelRef(version.name(), version.version());
        }
    }

    static TrainingJobView of(TrainingJob job, JobControl.Progress live, EpochRecord latest, ModelVersion became) {
        boolean useLive = live != null && job.state() == JobState.RUNNING;
        int epoch = useLive ? live.epoch() : job.epoch();
        long step = useLive ? live.step() : job.step();
        Long total = useLive ? Long.valueOf(live.totalSteps()) : job.totalSteps();
        double progress = job.state() == JobState.SUCCEEDED ? 1
                : total == null || total == 0 ? 0 : Math.min(1, (double) step / total);
        TrainingPlan plan = TrainingPlans.fromJson(job.architecture(), job.plan());
        return new TrainingJobView(job.id(), job.architecture(), job.modelName(), job.state(), job.createdAt(),
                job.startedAt(), job.finishedAt(), progress, epoch, step, total,
                useLive ? finite(live.imagesPerSecond()) : job.imagesPerSecond(),
                job.state().isFinal() ? null : useLive ? finite(live.etaSeconds()) : job.etaSeconds(),
                useLive ? finite(live.loss()) : latest == null ? null : finite(latest.trainLoss()),
                latest, job.bestTestAccuracy(), job.error(), job.attempts(), job.worker(),
                plan, ModelRef.of(became), plan.earlyStopping(), job.parentJob(), job.stopReason(), job.dataset(),
                InitFrom.ofNullable(job.initFromModel(), job.initFromVersion()), job.freeze());
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
