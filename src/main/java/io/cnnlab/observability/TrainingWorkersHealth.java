package io.cnnlab.observability;

import io.cnnlab.jobs.TrainingJobs;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/** Ready only while every training worker thread is alive. */
@Component("trainingWorkersHealthIndicator")
class TrainingWorkersHealth extends AbstractHealthIndicator {

    private final TrainingJobs jobs;

    TrainingWorkersHealth(TrainingJobs jobs) {
        this.jobs = jobs;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        (jobs.workersAlive() ? builder.up() : builder.down()).withDetail("jobs", jobs.countByState());
    }
}
