package io.cnnlab.models;

/**
 * Published by {@link ModelRegistry#refreshIfChanged()} before a change another instance made is served: this
 * version is about to become its model's default, so serving loads it now, not on the first request.
 */
public record ModelDefaultChanging(ModelVersion version) {
}
