package io.cnnlab.training;

import io.cnnlab.architectures.LearningRate;
import io.cnnlab.datasets.Augmentation;
import io.cnnlab.jobs.JobParameters;

/** Between the hyper-parameters a job stores and the plan the trainer runs. */
public final class TrainingPlans {

    private TrainingPlans() {
    }

    public static TrainingPlan toPlan(String architecture, JobParameters p) {
        return new TrainingPlan(architecture, p.epochs(), p.maxSteps(), p.batchSize(),
                new LearningRate(p.learningRate(), p.learningRateDecay(), p.learningRateDecaySteps()), p.seed(),
                new Augmentation(p.randomCrop(), p.flip(), p.maxBrightnessDelta(), p.minContrast(), p.maxContrast()),
                p.weightStddev(), p.biasInit(), TrainingPlan.DEFAULT_TRAIN_ACCURACY_EVERY);
    }

    public static JobParameters toParameters(TrainingPlan plan) {
        Augmentation a = plan.augmentation();
        LearningRate rate = plan.learningRate();
        return new JobParameters(plan.epochs(), plan.maxSteps(), plan.batchSize(), rate.initial(), rate.decayRate(),
                rate.decaySteps(), plan.seed(), a.randomCrop(), a.flip(), a.maxBrightnessDelta(), a.minContrast(),
                a.maxContrast(), plan.weightStddev(), plan.biasInit());
    }
}
