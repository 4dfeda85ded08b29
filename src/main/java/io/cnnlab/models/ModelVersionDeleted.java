package io.cnnlab.models;

/** Published once a version is gone from the registry (deleted here, or noticed as deleted by another instance). */
public record ModelVersionDeleted(ModelVersion version) {
}
