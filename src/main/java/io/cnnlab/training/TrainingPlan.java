package io.cnnlab.training;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.LearningRate;
import io.cnnlab.architectures.Recipe;
import io.cnnlab.datasets.Augmentation;
import io.cnnlab.datasets.BatchSource;

import java.util.Objects;

/**
 * Everything that decides a training run besides the data: the network, an optional step budget and the recipe
 * (epochs and hyper-parameters). A job stores exactly this, as JSON ({@link TrainingPlans}).
 *
 * @param architecture network variant name
 * @param maxSteps     budget in batches; overrides the recipe's epochs when set
 * @param recipe       the network's recipe with the request's fields laid over it
 * @param earlyStopping when to stop before the budget, null to run it all (left out of the document when null, so
 *                      plans stored before it existed keep their digest)
 */
public record TrainingPlan(String architecture, Long maxSteps, Recipe recipe,
                           @JsonInclude(JsonInclude.Include.NON_NULL) EarlyStopping earlyStopping) {

    public TrainingPlan {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(recipe, "recipe");
        if (maxSteps != null && maxSteps < 1) {
            throw new IllegalArgumentException("maxSteps must be at least 1");
        }
    }

    /** A plan without early stopping. */
    public TrainingPlan(String architecture, Long maxSteps, Recipe recipe) {
        this(architecture, maxSteps, recipe, null);
    }

    /** The network's own recipe, with no step budget. */
    public static TrainingPlan seedDefaults(Architecture architecture) {
        return new TrainingPlan(architecture.name(), null, architecture.recipe());
    }

    public TrainingPlan withRecipe(Recipe value) {
        return new TrainingPlan(architecture, maxSteps, value, earlyStopping);
    }

    public TrainingPlan withEpochs(int value) {
        return withRecipe(recipe.withEpochs(value));
    }

    public TrainingPlan withMaxSteps(Long value) {
        return new TrainingPlan(architecture, value, recipe, earlyStopping);
    }

    public TrainingPlan withEarlyStopping(EarlyStopping value) {
        return new TrainingPlan(architecture, maxSteps, recipe, value);
    }

    public TrainingPlan withBatchSize(int value) {
        return withRecipe(recipe.withBatchSize(value));
    }

    public TrainingPlan withLearningRate(LearningRate value) {
        return withRecipe(recipe.withLearningRate(value));
    }

    public TrainingPlan withSeed(long value) {
        return withRecipe(recipe.withSeed(value));
    }

    public TrainingPlan withAugmentation(Augmentation value) {
        return withRecipe(recipe.withAugmentation(value));
    }

    /** The plan's steps on a training set of {@code trainingImages}: the one place epochs and steps are converted. */
    public Budget budget(int trainingImages) {
        int stepsPerEpoch = BatchSource.stepsPerEpoch(trainingImages, recipe.batchSize());
        return new Budget(stepsPerEpoch, maxSteps != null ? maxSteps : (long) recipe.epochs() * stepsPerEpoch);
    }

    /**
     * Steps and epochs of a plan on one training set.
     *
     * @param stepsPerEpoch full batches per epoch
     * @param totalSteps    steps of the whole budget
     */
    public record Budget(int stepsPerEpoch, long totalSteps) {

        /** The 1-based epoch that step number {@code step} (1-based: the step just completed) belongs to. */
        public int epochOf(long step) {
            return (int) ((Math.max(1, step) - 1) / stepsPerEpoch) + 1;
        }

        public boolean endsEpoch(long step) {
            return step % stepsPerEpoch == 0 || step == totalSteps;
        }
    }
}
