package io.cnnlab.inference;

import java.util.List;

/**
 * The answer to a classify request: per image, its top-k predictions, most probable first.
 *
 * @param modelName the model's name, as a job's {@code modelName} ({@code model} is a {name, version} link)
 */
public record Classification(String modelName, int version, List<List<Prediction>> predictions) {
}
