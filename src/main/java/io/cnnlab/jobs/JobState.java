package io.cnnlab.jobs;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** Where a training job is in its life, and the moves allowed from each state. */
public enum JobState {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    /**
     * The one table of legal moves. RUNNING → QUEUED is the way back after a graceful shutdown or a crash: the job
     * continues from its latest checkpoint when a worker takes it again.
     */
    private static final Map<JobState, Set<JobState>> ALLOWED = Map.of(
            QUEUED, EnumSet.of(RUNNING, CANCELLED),
            RUNNING, EnumSet.of(SUCCEEDED, FAILED, CANCELLED, QUEUED),
            SUCCEEDED, EnumSet.noneOf(JobState.class),
            FAILED, EnumSet.noneOf(JobState.class),
            CANCELLED, EnumSet.noneOf(JobState.class));

    public boolean canMoveTo(JobState next) {
        return ALLOWED.get(this).contains(next);
    }

    public boolean isFinal() {
        return ALLOWED.get(this).isEmpty();
    }
}
