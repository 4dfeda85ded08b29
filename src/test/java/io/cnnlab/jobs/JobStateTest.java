package io.cnnlab.jobs;

import org.junit.jupiter.api.Test;

import static io.cnnlab.jobs.JobState.CANCELLED;
import static io.cnnlab.jobs.JobState.FAILED;
import static io.cnnlab.jobs.JobState.QUEUED;
import static io.cnnlab.jobs.JobState.RUNNING;
import static io.cnnlab.jobs.JobState.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;

class JobStateTest {

    @Test
    void queuedJobsStartOrAreCancelled() {
        assertThat(QUEUED.canMoveTo(RUNNING)).isTrue();
        assertThat(QUEUED.canMoveTo(CANCELLED)).isTrue();
        assertThat(QUEUED.canMoveTo(SUCCEEDED)).isFalse();
        assertThat(QUEUED.canMoveTo(FAILED)).isFalse();
    }

    @Test
    void runningJobsFinishOrGoBackToTheQueue() {
        assertThat(RUNNING.canMoveTo(SUCCEEDED)).isTrue();
        assertThat(RUNNING.canMoveTo(FAILED)).isTrue();
        assertThat(RUNNING.canMoveTo(CANCELLED)).isTrue();
        assertThat(RUNNING.canMoveTo(QUEUED)).isTrue();
        assertThat(RUNNING.canMoveTo(RUNNING)).isFalse();
    }

    @Test
    void finishedJobsNeverMove() {
        for (JobState done : new JobState[]{SUCCEEDED, FAILED, CANCELLED}) {
            assertThat(done.isFinal()).isTrue();
            for (JobState next : JobState.values()) {
                assertThat(done.canMoveTo(next)).as("%s -> %s", done, next).isFalse();
            }
        }
        assertThat(QUEUED.isFinal()).isFalse();
        assertThat(RUNNING.isFinal()).isFalse();
    }
}
