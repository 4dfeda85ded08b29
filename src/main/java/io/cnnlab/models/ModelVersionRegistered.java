package io.cnnlab.models;

/** Published when a version is registered (trained or imported). */
public record ModelVersionRegistered(ModelVersion version) {
}
