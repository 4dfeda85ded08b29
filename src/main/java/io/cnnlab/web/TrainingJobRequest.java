package io.cnnlab.web;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.LearningRate;
import io.cnnlab.architectures.Recipe;
import io.cnnlab.datasets.Augmentation;
import io.cnnlab.training.EarlyStopping;
import io.cnnlab.training.TrainingPlan;
import jakarta.validation.Valid;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/**
 * A training job submission. Only {@code architecture} is required; every other field defaults to that network's
 * recipe, which {@code GET /api/v1/architectures} publishes (so no default is written here).
 */
@Schema(description = "Only architecture is required; each omitted field takes the value of the network's recipe "
        + "(GET /api/v1/architectures, field 'recipe').")
record TrainingJobRequest(
        @Schema(description = "network variant", example = "factorized", requiredMode = Schema.RequiredMode.REQUIRED)
        @NotBlank @Pattern(regexp = "[a-z0-9_-]{1,64}") String architecture,
        @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}", message = "1-128 letters, digits, '.', '_' or '-', starting with a letter or digit")
        @Schema(description = "model the trained network registers under (default: the architecture)", example = "cifar-factorized")
        String modelName,
        @Schema(description = "passes over the training set (recipe.epochs)")
        @Min(1) @Max(1000) Integer epochs,
        @Schema(description = "budget in batches; overrides epochs (default: none)")
        @Min(1) @Max(10_000_000) Long maxSteps,
        @Schema(description = "images per step (recipe.batchSize)")
        @Min(1) @Max(2048) Integer batchSize,
        @Schema(description = "Adam's initial learning rate (recipe.learningRate.initial)")
        @DecimalMin(value = "0", inclusive = false) @DecimalMax("10") Double learningRate,
        @Schema(description = "factor applied every learningRateDecaySteps steps, 1 keeps it constant (recipe.learningRate.decayRate)")
        @DecimalMin(value = "0", inclusive = false) @DecimalMax("1") Double learningRateDecay,
        @Schema(description = "steps between decays (recipe.learningRate.decaySteps)")
        @Min(1) @Max(100_000_000) Integer learningRateDecaySteps,
        @Schema(description = "seed of initialisation, shuffling and augmentation (recipe.seed)")
        Long seed,
        @Schema(description = "random (else centre) crop while training (recipe.augmentation.randomCrop)")
        Boolean randomCrop,
        @Schema(description = "random left-right flip (recipe.augmentation.flip)")
        Boolean flip,
        @Schema(description = "random brightness range, 0..255 scale (recipe.augmentation.maxBrightnessDelta)")
        @DecimalMin("0") @DecimalMax("255") Double maxBrightnessDelta,
        @Schema(description = "random contrast lower bound (recipe.augmentation.minContrast)")
        @DecimalMin("0") @DecimalMax("10") Double minContrast,
        @Schema(description = "random contrast upper bound, at least minContrast (recipe.augmentation.maxContrast)")
        @DecimalMin("0") @DecimalMax("10") Double maxContrast,
        @Schema(description = "truncated-normal weight initialisation stddev (recipe.weightStddev)")
        @DecimalMin(value = "0", inclusive = false) @DecimalMax("10") Double weightStddev,
        @Schema(description = "initial value of every bias (recipe.biasInit)")
        @DecimalMin("-10") @DecimalMax("10") Double biasInit,
        @Schema(description = "measure training accuracy on every n-th batch (recipe.trainAccuracyEvery)")
        @Min(1) @Max(1_000_000) Integer trainAccuracyEvery,
        @Schema(description = "stop before the budget once test accuracy has not improved by more than minDelta for "
                + "patience epochs; the best epoch's checkpoint becomes the model version (default: none)")
        @Valid EarlyStoppingRequest earlyStopping,

        @Schema(description = "id of the data set to train on (GET /api/v1/datasets; default: cifar10); the network gets "
                + "one output per class", example = "cifar10")
        @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}", message = "a data set id (GET /api/v1/datasets)") String dataset,
        @Schema(description = "start from this model version's weights (fine-tuning; the same architecture); its "
                + "classifier layer is replaced when the data set's class count differs (default: a new network)")
        @Valid InitFromRequest initFrom,
        @Schema(description = "keep initFrom's feature layers fixed and train only the classifier (needs initFrom; "
                + "default: false)")
        Boolean freeze) {

    /** {@code earlyStopping} as the request spells it: patience required, minDelta 0 unless given. */
    record EarlyStoppingRequest(
            @Schema(description = "epochs without improvement before the run stops", example = "3",
                    requiredMode = Schema.RequiredMode.REQUIRED)
            @NotNull @Min(1) @Max(1000) Integer patience,
            @Schema(description = "test accuracy gain that counts as an improvement (default 0)", example = "0.001")
            @DecimalMin("0") @DecimalMax("1") Double minDelta) {

        EarlyStopping toEarlyStopping() {
            return new EarlyStopping(patience, minDelta != null ? minDelta : 0);
        }
    }

    /**
     * The version a fine-tuning starts from.
     *
     * @param version default: the model's default version (alias production, else the newest)
     */
    record InitFromRequest(
            @Schema(description = "model name", requiredMode = Schema.RequiredMode.REQUIRED, example = "cifar-baseline")
            @NotBlank @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}", message = "a model name") String model,
            @Schema(description = "version (default: the model's default version)")
            @Min(1) Integer version) {
    }

    /**
     * The network's recipe with this request's fields laid over it.
     *
     * @throws InvalidRequestException when fields that are valid alone do not fit together (a contrast range upside down)
     */
    TrainingPlan toPlan(Architecture network) {
        Recipe recipe = network.recipe();
        LearningRate rate = recipe.learningRate();
        Augmentation a = recipe.augmentation();
        try {
            return new TrainingPlan(architecture, maxSteps, new Recipe(
                    or(epochs, recipe.epochs()),
                    or(batchSize, recipe.batchSize()),
                    new LearningRate(or(learningRate, rate.initial()), or(learningRateDecay, rate.decayRate()),
                            or(learningRateDecaySteps, rate.decaySteps())),
                    or(seed, recipe.seed()),
                    new Augmentation(or(randomCrop, a.randomCrop()), or(flip, a.flip()),
                            or(maxBrightnessDelta, a.maxBrightnessDelta()), or(minContrast, a.minContrast()),
                            or(maxContrast, a.maxContrast())),
                    or(weightStddev, recipe.weightStddev()),
                    or(biasInit, recipe.biasInit()),
                    or(trainAccuracyEvery, recipe.trainAccuracyEvery())),
                    earlyStopping != null ? earlyStopping.toEarlyStopping() : null);
        } catch (IllegalArgumentException e) {
            // the records' own checks, reached only by combinations the field annotations cannot see
            throw new InvalidRequestException(e.getMessage());
        }
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
