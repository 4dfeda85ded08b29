package io.cnnlab.retention;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code cnn.retention.*}: what the service deletes on its own, so that a long-lived instance does not fill its
 * disk. Nothing a running or queued job, an alias or a model's default version needs is ever deleted.
 *
 * @param enabled               sweep at all
 * @param interval              time between sweeps (the first one runs this long after start-up)
 * @param finishedJobs          finished jobs (with their metrics and checkpoints) are deleted this long after they
 *                              ended, unless a model version still comes from them
 * @param checkpointsOfFinishedJobs a finished job's checkpoints (kept to continue or inspect it) are deleted this
 *                              long after it ended; its metrics and the model version stay
 * @param versionsPerModel      a model keeps its newest versions up to this many, besides every aliased version
 *                              and its default version
 */
@Validated
@ConfigurationProperties("cnn.retention")
record RetentionProperties(@DefaultValue("true") boolean enabled,
                           @NotNull @DefaultValue("1h") Duration interval,
                           @NotNull @DefaultValue("180d") Duration finishedJobs,
                           @NotNull @DefaultValue("30d") Duration checkpointsOfFinishedJobs,
                           @Min(1) @Max(100_000) @DefaultValue("100") int versionsPerModel) {
}
