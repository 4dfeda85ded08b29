package io.cnnlab.datasets;

import java.util.SplittableRandom;

/**
 * The one path from stored pixels to network input, shared by training, evaluation and classification.
 *
 * <p>Input: one image as unsigned bytes in channel planes ({@code channels x height x width}). Output: a
 * {@code channels x crop x crop} float block, standardised per image as TensorFlow's
 * {@code per_image_standardization}: {@code (x - mean) / max(stddev, 1/sqrt(n))}.
 *
 * <p>Brightness is applied for fidelity to the seed, but standardisation subtracts the image mean right after, so a
 * uniform brightness shift has no effect on what the network sees; contrast, applied per channel, does.
 */
public final class Preprocessing {

    private final int crop;

    public Preprocessing(int crop) {
        if (crop <= 0) {
            throw new IllegalArgumentException("crop must be positive");
        }
        this.crop = crop;
    }

    public int crop() {
        return crop;
    }

    /** Evaluation and classification: the centre crop, standardised. */
    public void centre(byte[] src, int srcOffset, int channels, int height, int width, float[] dst, int dstOffset) {
        checkSize(height, width);
        cropInto(src, srcOffset, channels, height, width, (height - crop) / 2, (width - crop) / 2, false, dst, dstOffset);
        standardise(dst, dstOffset, channels * crop * crop);
    }

    /**
     * Preprocessed images (back to back, {@code channels x crop x crop} each) mirrored left to right: test-time
     * flip averaging runs these beside the originals. Mirroring commutes with the crop and the standardisation, so
     * this equals preprocessing the mirrored picture.
     */
    public float[] mirrored(float[] inputs, int channels) {
        int rows = inputs.length / crop;
        if (rows * crop != inputs.length || inputs.length % (channels * crop * crop) != 0) {
            throw new IllegalArgumentException("%d floats are not whole %dx%dx%d images".formatted(inputs.length, channels, crop, crop));
        }
        float[] mirrored = new float[inputs.length];
        for (int row = 0; row < rows; row++) {
            int start = row * crop;
            for (int x = 0; x < crop; x++) {
                mirrored[start + x] = inputs[start + crop - 1 - x];
            }
        }
        return mirrored;
    }

    /** Training: random crop and flip, random brightness and contrast, then the same standardisation. */
    public void augment(byte[] src, int srcOffset, int channels, int height, int width, Augmentation augmentation,
                        SplittableRandom random, float[] dst, int dstOffset) {
        checkSize(height, width);
        int top = augmentation.randomCrop() ? random.nextInt(height - crop + 1) : (height - crop) / 2;
        int left = augmentation.randomCrop() ? random.nextInt(width - crop + 1) : (width - crop) / 2;
        boolean flip = augmentation.flip() && random.nextBoolean();
        cropInto(src, srcOffset, channels, height, width, top, left, flip, dst, dstOffset);
        int plane = crop * crop;
        int n = channels * plane;
        if (augmentation.maxBrightnessDelta() > 0) {
            float delta = (float) ((random.nextDouble() * 2 - 1) * augmentation.maxBrightnessDelta());
            for (int i = 0; i < n; i++) {
                dst[dstOffset + i] += delta;
            }
        }
        if (augmentation.changesContrast()) {
            float factor = (float) (augmentation.minContrast()
                    + random.nextDouble() * (augmentation.maxContrast() - augmentation.minContrast()));
            for (int c = 0; c < channels; c++) {
                int start = dstOffset + c * plane;
                double sum = 0;
                for (int i = 0; i < plane; i++) {
                    sum += dst[start + i];
                }
                float mean = (float) (sum / plane);
                for (int i = 0; i < plane; i++) {
                    dst[start + i] = (dst[start + i] - mean) * factor + mean;
                }
            }
        }
        standardise(dst, dstOffset, n);
    }

    private void checkSize(int height, int width) {
        if (height < crop || width < crop) {
            throw new IllegalArgumentException("image %dx%d is smaller than the %dx%d crop".formatted(height, width, crop, crop));
        }
    }

    private void cropInto(byte[] src, int srcOffset, int channels, int height, int width, int top, int left,
                          boolean flip, float[] dst, int dstOffset) {
        int out = dstOffset;
        for (int c = 0; c < channels; c++) {
            int planeStart = srcOffset + c * height * width;
            for (int y = 0; y < crop; y++) {
                int row = planeStart + (top + y) * width + left;
                for (int x = 0; x < crop; x++) {
                    dst[out++] = src[row + (flip ? crop - 1 - x : x)] & 0xFF;
                }
            }
        }
    }

    static void standardise(float[] values, int offset, int n) {
        double sum = 0;
        double sumSquares = 0;
        for (int i = offset; i < offset + n; i++) {
            sum += values[i];
            sumSquares += (double) values[i] * values[i];
        }
        double mean = sum / n;
        double variance = Math.max(0, sumSquares / n - mean * mean);
        double scale = 1 / Math.max(Math.sqrt(variance), 1 / Math.sqrt(n));
        for (int i = offset; i < offset + n; i++) {
            values[i] = (float) ((values[i] - mean) * scale);
        }
    }
}
