package io.cnnlab.web;

import io.cnnlab.jobs.EpochRecord;
import io.cnnlab.jobs.JobControl;
import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.TrainingJob;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.training.TrainingPlan;
import io.cnnlab.training.TrainingPlans;

import java.time.Instant;

/**
 * A training job as the API shows it: stored state with the live progress of a running job laid over it, the
 * plan it trains with (its network's recipe with the request's fields laid over it), and the model version it became
 * ({@code model}, null until the job has succeeded and been registered). {@code worker} is the instance that runs
 * the job (or last ran it; null while it waits), {@code attempts} the number of its current (or last) attempt.
 */
record TrainingJobView(String id, String architecture, String modelName, JobState state, Instant createdAt,
                              Instant startedAt, Instant finishedAt, double progress, int epoch, long step,
                              Long totalSteps, Double imagesPerSecond, Double etaSeconds, Double loss,
                              EpochRecord latestMetrics, Double bestTestAccuracy, String error, int attempts,
                              String worker, TrainingPlan plan, ModelRef model) {

    /** The model version a job became: GET /api/v1/models/{name}/versions/{version}. */
    record ModelRef(String name, int version) {

        static ModelRef of(ModelVersion version) {
            return version == null ? null : new ModelRef(version.name(), version.version());
        }
    }

    /** Without the registry at hand (a state event): {@code model} stays null, GET the job for it. */
    static TrainingJobView of(TrainingJob job, JobControl.Progress live, EpochRecord latest) {
        return of(job, live, latest, null);
    }

    static TrainingJobView of(TrainingJob job, JobControl.Progress live, EpochRecord latest, ModelVersion became) {
        boolean useLive = live != null && job.state() == JobState.RUNNING;
        int epoch = useLive ? live.epoch() : job.epoch();
        long step = useLive ? live.step() : job.step();
        Long total = useLive ? Long.valueOf(live.totalSteps()) : job.totalSteps();
        double progress = job.state() == JobState.SUCCEEDED ? 1
                : total == null || total == 0 ? 0 : Math.min(1, (double) step / total);
        return new TrainingJobView(job.id(), job.architecture(), job.modelName(), job.state(), job.createdAt(),
                job.startedAt(), job.finishedAt(), progress, epoch, step, total,
                useLive ? finite(live.imagesPerSecond()) : job.imagesPerSecond(),
                job.state().isFinal() ? null : useLive ? finite(live.etaSeconds()) : job.etaSeconds(),
                useLive ? finite(live.loss()) : null,
                latest, job.bestTestAccuracy(), job.error(), job.attempts(), job.worker(),
                TrainingPlans.fromJson(job.architecture(), job.plan()), ModelRef.of(became));
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
