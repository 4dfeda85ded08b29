package io.cnnlab.datasets;

/**
 * The random distortions of a training image (the seed's input pipeline). Evaluation uses none of them.
 *
 * @param randomCrop         crop at a random position (else the centre)
 * @param flip               mirror left-right with probability one half
 * @param maxBrightnessDelta add a uniform value in [-delta, delta] to every pixel (0..255 scale); 0 turns it off
 * @param minContrast        lower bound of the random contrast factor
 * @param maxContrast        upper bound of the random contrast factor; 1..1 turns it off
 */
public record Augmentation(boolean randomCrop, boolean flip, double maxBrightnessDelta, double minContrast,
                           double maxContrast) {

    public Augmentation {
        if (maxBrightnessDelta < 0 || maxBrightnessDelta > 255) {
            throw new IllegalArgumentException("maxBrightnessDelta must be in 0..255, was " + maxBrightnessDelta);
        }
        if (minContrast < 0 || maxContrast < minContrast || maxContrast > 10) {
            throw new IllegalArgumentException("contrast range must satisfy 0 <= min <= max <= 10, was %s..%s"
                    .formatted(minContrast, maxContrast));
        }
    }

    /** TensorFlow's CIFAR-10 recipe the seed trains with: delta 63, contrast 0.2..1.8. */
    public static Augmentation seedDefaults() {
        return new Augmentation(true, true, 63, 0.2, 1.8);
    }

    public static Augmentation none() {
        return new Augmentation(false, false, 0, 1, 1);
    }

    boolean changesContrast() {
        return minContrast != 1 || maxContrast != 1;
    }
}
