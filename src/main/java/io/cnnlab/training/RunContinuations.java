package io.cnnlab.training;

import io.cnnlab.checkpoints.Checkpoint;
import io.cnnlab.checkpoints.CheckpointStore;
import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.JobStateConflictException;
import io.cnnlab.jobs.JobStore;
import io.cnnlab.jobs.NewJob;
import io.cnnlab.jobs.TrainingJob;
import io.cnnlab.jobs.TrainingJobs;
import org.springframework.stereotype.Service;

/**
 * Continuing a finished run: a new job with the parent's network, model name and plan, more epochs, starting from the
 * parent's last checkpoint (weights, updater state and step count, so the learning-rate schedule and the epoch
 * numbers go on where the parent ended). It is submitted like any job: queue bound, submission rate, idempotency.
 */
@Service
public class RunContinuations {

    private final TrainingJobs jobs;
    private final CheckpointStore checkpoints;

    RunContinuations(TrainingJobs jobs, CheckpointStore checkpoints) {
        this.jobs = jobs;
        this.checkpoints = checkpoints;
    }

    /**
     * Queues the continuation of job {@code parentId} by {@code moreEpochs} epochs.
     *
     * @throws io.cnnlab.jobs.JobNotFoundException when there is no such job
     * @throws JobStateConflictException           unless the job SUCCEEDED or was CANCELLED, and has a checkpoint
     */
    public JobStore.Submitted continueJob(String parentId, int moreEpochs, String caller, String idempotencyKey) {
        if (moreEpochs < 1 || moreEpochs > 1000) {
            throw new IllegalArgumentException("epochs must be 1 to 1000, not " + moreEpochs);
        }
        TrainingJob parent = jobs.get(parentId);
        if (parent.state() != JobState.SUCCEEDED && parent.state() != JobState.CANCELLED) {
            throw new JobStateConflictException("job %s is %s; only a SUCCEEDED or CANCELLED job can be continued"
                    .formatted(parentId, parent.state()));
        }
        Checkpoint last = checkpoints.list(parentId).stream().findFirst().orElseThrow(() -> new JobStateConflictException(
                "job %s has no checkpoint to continue from (it ended before its first, or they were deleted)"
                        .formatted(parentId)));
        TrainingPlan plan = TrainingPlans.fromJson(parent.architecture(), parent.plan())
                .withMaxSteps(null)
                .withEpochs(completedEpochs(last) + moreEpochs);
        return jobs.submit(new NewJob(parent.architecture(), parent.modelName(), TrainingPlans.toJson(plan), caller,
                idempotencyKey, TrainingPlans.sha256(plan, parent.modelName(), "continues", parentId), parentId,
                // the same data, and the lineage of the run it goes on with (its frozen layers stay frozen in the checkpoint)
                parent.dataset(), parent.initFromModel(), parent.initFromVersion(), parent.freeze()));
    }

    /**
     * Epochs the checkpoint has behind it. A mid-epoch checkpoint (a cancel, a shutdown) has not finished its epoch:
     * the continuation finishes it first, as the first of its epochs. An evaluated one ends its epoch, or the last,
     * partial epoch of a step budget, which the continuation then finishes under the same epoch number.
     */
    static int completedEpochs(Checkpoint last) {
        return last.testAccuracy() != null ? last.epoch() : last.epoch() - 1;
    }
}
