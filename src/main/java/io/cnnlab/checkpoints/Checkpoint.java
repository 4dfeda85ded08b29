package io.cnnlab.checkpoints;

import java.time.Instant;

/**
 * A stored network at a step of a job.
 *
 * @param testAccuracy full test-set accuracy at this step, null for mid-epoch checkpoints
 * @param best         the job's checkpoint with the highest test accuracy (the one a model version points at)
 */
public record Checkpoint(String jobId, long step, int epoch, Double testAccuracy, long sizeBytes, String sha256,
                         String fileName, Instant createdAt, boolean best) {
}
