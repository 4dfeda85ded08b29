package io.cnnlab.inference;

import java.util.List;

/** The answer to a classify request: per image, its top-k predictions, most probable first. */
public record Classification(String model, int version, List<List<Prediction>> predictions) {
}
