package io.cnnlab.web;

import io.cnnlab.jobs.EpochRecord;
import io.cnnlab.jobs.TrainingJob;
import io.cnnlab.jobs.TrainingJobs;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import org.springframework.stereotype.Component;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Jobs as the API shows them, the same in answers and in state events: live progress, last epoch, its version. */
@Component
class JobViews {

    private final TrainingJobs jobs;
    private final ModelRegistry models;

    JobViews(TrainingJobs jobs, ModelRegistry models) {
        this.jobs = jobs;
        this.models = models;
    }

    TrainingJobView of(TrainingJob job) {
        return of(job, jobs.latestMetrics(List.of(job.id())).get(job.id()), versionsByJob().get(job.id()));
    }

    TrainingJobView of(TrainingJob job, EpochRecord latest, ModelVersion became) {
        return TrainingJobView.of(job, jobs.liveProgress(job.id()).orElse(null), latest, became);
    }

    /** The registry's in-memory snapshot indexed once per request, not searched once per job shown. */
    Map<String, ModelVersion> versionsByJob() {
        Map<String, ModelVersion> byJob = new HashMap<>();
        for (ModelRegistry.Model model : models.models()) {
            for (ModelVersion version : model.versions()) {
                if (version.jobId() != null) {
                    byJob.put(version.jobId(), version);
                }
            }
        }
        return byJob;
    }
}
