package io.cnnlab.training;

import io.cnnlab.datasets.Datasets;
import io.cnnlab.jobs.TrainingJobs;
import org.springframework.stereotype.Component;

import java.util.List;

/** The jobs' answer to which data sets are in use: the queued or running jobs that train on one. */
@Component
class JobsUsingDatasets implements Datasets.Usage {

    private final TrainingJobs jobs;

    JobsUsingDatasets(TrainingJobs jobs) {
        this.jobs = jobs;
    }

    @Override
    public List<String> jobsUsing(String datasetId) {
        return jobs.activeJobsUsing(datasetId);
    }
}
