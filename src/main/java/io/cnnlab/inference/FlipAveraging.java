package io.cnnlab.inference;

import io.cnnlab.datasets.Preprocessing;
import io.cnnlab.networks.InputDescription;
import io.cnnlab.evaluation.Evaluator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Test-time flip augmentation: each image is run beside its mirror image and the two probability rows are averaged.
 * Classification asks for it per request; a whole-test-set evaluation reports it beside the plain figure.
 */
final class FlipAveraging {

    private FlipAveraging() {
    }

    /** {@code n} preprocessed images followed by their mirror images (twice the length). */
    static float[] withMirrors(Preprocessing preprocessing, float[] inputs, int n, InputDescription input) {
        int size = n * input.floatsPerImage();
        float[] both = Arrays.copyOf(inputs, 2 * size);
        float[] originals = inputs.length == size ? inputs : Arrays.copyOf(inputs, size);
        System.arraycopy(preprocessing.mirrored(originals, input.channels()), 0, both, size, size);
        return both;
    }

    /** The rows of {@code n} images, each the mean of its own row and its mirror image's (rows {@code n..2n}). */
    static float[][] averaged(float[][] rows, int n) {
        float[][] plain = Arrays.copyOf(rows, n);
        average(plain, Arrays.copyOfRange(rows, n, 2 * n));
        return plain;
    }

    /** {@code into} becomes the mean of itself and {@code other}, row by row. */
    static void average(float[][] into, float[][] other) {
        for (int i = 0; i < into.length; i++) {
            for (int j = 0; j < into[i].length; j++) {
                into[i][j] = (into[i][j] + other[i][j]) / 2;
            }
        }
    }

    /** An evaluation probe: each batch's rows averaged with its mirror images' rows. */
    static Evaluator.Probe probe(Preprocessing preprocessing, int channels) {
        return (net, features) -> {
            float[][] plain = Evaluator.probabilities(net, features);
            float[] mirrored = preprocessing.mirrored(features.data().asFloat(), channels);
            try (INDArray flipped = Nd4j.create(mirrored, features.shape(), features.dataType())) {
                average(plain, Evaluator.probabilities(net, flipped));
            }
            return plain;
        };
    }
}
