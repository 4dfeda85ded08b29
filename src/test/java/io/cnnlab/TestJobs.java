package io.cnnlab;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.architectures.LearningRate;
import io.cnnlab.jobs.NewJob;
import io.cnnlab.training.TrainingPlan;
import io.cnnlab.training.TrainingPlans;

/** Jobs submitted straight to the job service (no HTTP): the baseline's recipe with a small budget. */
public final class TestJobs {

    private TestJobs() {
    }

    /** The baseline's recipe with this budget, batch and constant learning rate, as a job of model {@code model}. */
    public static NewJob baseline(String model, int epochs, Long maxSteps, int batchSize, double learningRate) {
        TrainingPlan plan = TrainingPlan.seedDefaults(Architectures.offered().get("baseline"))
                .withEpochs(epochs).withMaxSteps(maxSteps).withBatchSize(batchSize)
                .withLearningRate(LearningRate.constant(learningRate));
        return new NewJob("baseline", model, TrainingPlans.toJson(plan), "test", null, null);
    }
}
