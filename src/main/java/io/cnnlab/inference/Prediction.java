package io.cnnlab.inference;

/** One class of an image's top-k. */
public record Prediction(String label, int index, double probability) {
}
