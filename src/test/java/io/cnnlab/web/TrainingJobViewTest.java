package io.cnnlab.web;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.jobs.EpochRecord;
import io.cnnlab.jobs.JobControl;
import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.TrainingJob;
import io.cnnlab.training.TrainingPlan;
import io.cnnlab.training.TrainingPlans;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class TrainingJobViewTest {

    private static final String PLAN = TrainingPlans.toJson(TrainingPlan.seedDefaults(Architectures.offered().get("baseline")));
    private static final EpochRecord LAST_EPOCH = new EpochRecord(2, 200, 1.25, 0.5, 1.5, 0.45, 900, 20, 0.01, 1e-3);

    private static TrainingJob job(JobState state) {
        return new TrainingJob("6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11", "baseline", "baseline", state, PLAN,
                Instant.EPOCH, Instant.EPOCH, state.isFinal() ? Instant.EPOCH.plusSeconds(40) : null, 2, 200, 200L,
                900.0, null, 0.45, null, 1, null, false);
    }

    @Test
    void aRunningJobShowsItsLatestBatchLoss() {
        JobControl.Progress live = new JobControl.Progress(2, 150, 200, 900, 5, 0.75);

        assertThat(TrainingJobView.of(job(JobState.RUNNING), live, LAST_EPOCH, null).loss()).isEqualTo(0.75);
    }

    @Test
    void anEndedJobKeepsTheTrainLossOfItsLastEpoch() {
        for (JobState ended : new JobState[]{JobState.SUCCEEDED, JobState.CANCELLED, JobState.FAILED}) {
            assertThat(TrainingJobView.of(job(ended), null, LAST_EPOCH, null).loss()).as(ended.name()).isEqualTo(1.25);
        }
        assertThat(TrainingJobView.of(job(JobState.SUCCEEDED), null, null, null).loss()).as("no epoch recorded").isNull();
    }
}
