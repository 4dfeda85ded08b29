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
 * @param workers               jobs trained at once (one uses both cores of a 2-core machine); 0 for an instance that
 *                              serves and takes submissions but trains nothing (it claims no job)
 * @param maxQueued             queued jobs accepted before submits get 429, counted in the database: a bound for every
 *                              instance on it together
 * @param checkpointEverySteps  extra checkpoints every n steps within an epoch (0: only at epoch ends)
 * @param keepCheckpoints       most recent checkpoints kept per job (the best is kept besides)
 * @param shutdownTimeout       how long a graceful shutdown waits for running jobs to checkpoint
 * @param progressWriteInterval how often a running job's progress is written to the database
 * @param maxSubmissionsPerMinute job submissions accepted per minute (a token bucket: bursts up to this many), per
 *                              instance: n instances behind one address accept up to n times this many
 * @param leaseDuration         how long a claimed job stays this instance's without a heartbeat; the heartbeat renews
 *                              it every third of it (at least every 2 s, which is also how soon a cancel sent to
 *                              another instance stops the run). A job whose instance died runs again elsewhere after
 *                              this long
 * @param engine                {@code onednn}: a network the oneDNN engine runs (every offered one) trains on it, any
 *                              other on DL4J; {@code dl4j}: all on DL4J (docs/networks.md)
 */
@Validated
@ConfigurationProperties("cnn.training")
public record TrainingProperties(@Min(0) @Max(64) @DefaultValue("1") int workers,
                                 @Min(1) @Max(100_000) @DefaultValue("100") int maxQueued,
                                 @Min(0) @DefaultValue("0") int checkpointEverySteps,
                                 @Min(1) @Max(1000) @DefaultValue("3") int keepCheckpoints,
                                 @NotNull @DefaultValue("60s") Duration shutdownTimeout,
                                 @NotNull @DefaultValue("2s") Duration progressWriteInterval,
                                 @Min(1) @Max(100_000) @DefaultValue("60") int maxSubmissionsPerMinute,
                                 @NotNull @DefaultValue("30s") Duration leaseDuration,
                                 @NotNull @DefaultValue("onednn") Engine engine) {

    /** What runs a training step: the project's oneDNN engine where it runs the network (else DL4J), or DL4J always. */
    public enum Engine { ONEDNN, DL4J }

    public TrainingProperties {
        if (leaseDuration != null && leaseDuration.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("cnn.training.lease-duration must be at least 1s, not " + leaseDuration);
        }
    }
}
