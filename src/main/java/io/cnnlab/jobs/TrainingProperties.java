package io.cnnlab.jobs;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code cnn.training.*}: the worker pool, the queue and checkpointing.
 *
 * @param workers               jobs trained at once (one uses both cores of a 2-core machine)
 * @param maxQueued             queued jobs accepted before submits get 429
 * @param checkpointEverySteps  extra checkpoints every n steps within an epoch (0: only at epoch ends)
 * @param keepCheckpoints       most recent checkpoints kept per job (the best is kept besides)
 * @param shutdownTimeout       how long a graceful shutdown waits for running jobs to checkpoint
 * @param progressWriteInterval how often a running job's progress is written to the database
 * @param maxSubmissionsPerMinute job submissions accepted per minute (a token bucket: bursts up to this many)
 */
@Validated
@ConfigurationProperties("cnn.training")
public record TrainingProperties(@Min(1) @Max(64) @DefaultValue("1") int workers,
                                 @Min(1) @Max(100_000) @DefaultValue("100") int maxQueued,
                                 @Min(0) @DefaultValue("0") int checkpointEverySteps,
                                 @Min(1) @Max(1000) @DefaultValue("3") int keepCheckpoints,
                                 @NotNull @DefaultValue("60s") Duration shutdownTimeout,
                                 @NotNull @DefaultValue("2s") Duration progressWriteInterval,
                                 @Min(1) @Max(100_000) @DefaultValue("60") int maxSubmissionsPerMinute) {
}
