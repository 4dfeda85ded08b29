package io.cnnlab.models;

import java.time.Instant;
import java.util.List;

/**
 * A servable network: one version of a named model.
 *
 * @param source         TRAINED (registered from a job's best checkpoint) or IMPORTED
 * @param jobId          the training job it came from, null when imported
 * @param checkpointStep the job step of that checkpoint
 * @param parameterCount the network's parameters (a count; a job's hyper-parameters are its {@code plan})
 * @param labels         class names, index order of the network's outputs
 * @param sha256         sha256 of the stored network file, checked before every load
 * @param uploadSha256   sha256 of the bytes the user uploaded for an import (the service rewrites the zip, so it
 *                       differs from {@code sha256}); null for trained versions
 * @param aliases        aliases pointing at this version (e.g. production)
 * @param dataset        id of the data set it was trained on; null for imports
 * @param initFrom       the version it was fine-tuned from; null when it was trained from scratch or imported
 */
public record ModelVersion(String name, int version, String architecture, String source, String jobId,
                           Long checkpointStep, Double testAccuracy, long parameterCount, List<String> labels,
                           long sizeBytes, String sha256, String uploadSha256, Instant createdAt, List<String> aliases,
                           String dataset, InitFrom initFrom) {

    /** A version without lineage (an import). */
    public ModelVersion(String name, int version, String architecture, String source, String jobId,
                        Long checkpointStep, Double testAccuracy, long parameterCount, List<String> labels,
                        long sizeBytes, String sha256, String uploadSha256, Instant createdAt, List<String> aliases) {
        this(name, version, architecture, source, jobId, checkpointStep, testAccuracy, parameterCount, labels,
                sizeBytes, sha256, uploadSha256, createdAt, aliases, null, null);
    }
}
