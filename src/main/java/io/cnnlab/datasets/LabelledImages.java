package io.cnnlab.datasets;

import java.util.List;
import java.util.Objects;

/**
 * Images of one size with their class labels, pixels as unsigned bytes in channel planes (RGB, each plane row-major),
 * the layout of the CIFAR-10 binary files and of the network's NCHW input. A label is a short: data sets have up to
 * 1,000 classes.
 */
public record LabelledImages(byte[] pixels, short[] labels, int channels, int height, int width, List<String> classes) {

    public LabelledImages {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        classes = List.copyOf(classes);
        if ((long) labels.length * channels * height * width != pixels.length) {
            throw new IllegalArgumentException("%d labels do not match %d pixel bytes of %dx%dx%d images"
                    .formatted(labels.length, pixels.length, channels, height, width));
        }
        for (short label : labels) {
            if (label < 0 || label >= classes.size()) {
                throw new IllegalArgumentException("label %d is not one of %d classes".formatted(label, classes.size()));
            }
        }
    }

    public int size() {
        return labels.length;
    }

    public int imageBytes() {
        return channels * height * width;
    }

    public int label(int index) {
        return labels[index];
    }

    /** The first {@code count} images, for quick runs. */
    public LabelledImages head(int count) {
        int n = Math.min(count, size());
        byte[] p = new byte[n * imageBytes()];
        System.arraycopy(pixels, 0, p, 0, p.length);
        short[] l = new short[n];
        System.arraycopy(labels, 0, l, 0, n);
        return new LabelledImages(p, l, channels, height, width, classes);
    }
}
