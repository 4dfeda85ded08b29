package io.cnnlab.web;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.LearningRate;
import io.cnnlab.datasets.Augmentation;
import io.cnnlab.training.TrainingPlan;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/**
 * A training job submission. Only {@code architecture} is required; every other field defaults to the seed's recipe
 * for that architecture.
 */
public record TrainingJobRequest(
        @Schema(description = "network variant", example = "factorized", requiredMode = Schema.RequiredMode.REQUIRED)
        @NotBlank @Pattern(regexp = "[a-z0-9_-]{1,64}") String architecture,
        @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}", message = "1-128 letters, digits, '.', '_' or '-', starting with a letter or digit")
        @Schema(description = "model the trained network registers under (default: the architecture)", example = "cifar-factorized")
        String modelName,
        @Schema(description = "passes over the training set", example = "10", defaultValue = "10")
        @Min(1) @Max(1000) Integer epochs,
        @Schema(description = "budget in batches; overrides epochs", example = "20000")
        @Min(1) @Max(10_000_000) Long maxSteps,
        @Schema(description = "images per step", example = "128", defaultValue = "128")
        @Min(1) @Max(2048) Integer batchSize,
        @Schema(description = "Adam learning rate (batchnorm default 0.04)", example = "0.0001", defaultValue = "0.0001")
        @DecimalMin(value = "0", inclusive = false) @DecimalMax("10") Double learningRate,
        @DecimalMin(value = "0", inclusive = false) @DecimalMax("1") Double learningRateDecay,
        @Min(1) @Max(100_000_000) Integer learningRateDecaySteps,
        @Schema(description = "seed of initialisation, shuffling and augmentation", example = "42", defaultValue = "42")
        Long seed,
        Boolean randomCrop,
        Boolean flip,
        @DecimalMin("0") @DecimalMax("255") Double maxBrightnessDelta,
        @DecimalMin("0") @DecimalMax("10") Double minContrast,
        @DecimalMin("0") @DecimalMax("10") Double maxContrast,
        @DecimalMin(value = "0", inclusive = false) @DecimalMax("10") Double weightStddev,
        @DecimalMin("-10") @DecimalMax("10") Double biasInit) {

    /** The seed's plan for the architecture with this request's fields laid over it. */
    TrainingPlan toPlan(Architecture network) {
        TrainingPlan seed = TrainingPlan.seedDefaults(network);
        LearningRate rate = seed.learningRate();
        Augmentation a = seed.augmentation();
        return new TrainingPlan(architecture,
                or(epochs, seed.epochs()),
                maxSteps,
                or(batchSize, seed.batchSize()),
                new LearningRate(or(learningRate, rate.initial()), or(learningRateDecay, rate.decayRate()),
                        or(learningRateDecaySteps, rate.decaySteps())),
                or(this.seed, seed.seed()),
                new Augmentation(or(randomCrop, a.randomCrop()), or(flip, a.flip()),
                        or(maxBrightnessDelta, a.maxBrightnessDelta()), or(minContrast, a.minContrast()),
                        or(maxContrast, a.maxContrast())),
                or(weightStddev, seed.weightStddev()),
                or(biasInit, seed.biasInit()),
                seed.trainAccuracyEvery());
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
