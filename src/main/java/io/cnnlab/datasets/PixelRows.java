package io.cnnlab.datasets;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;

/**
 * Reads an image row by row as opaque sRGB ({@code 0xRRGGBB}), transparent pixels laid on white.
 *
 * <p>Three ways in, picked once per image. 8-bit sRGB images (what PNG and JPEG decode to) are read as raw samples:
 * {@link BufferedImage#getRGB} converts them pixel by pixel through the colour model, a large share of decoding a
 * 32x32 PNG (docs/performance.md). Grayscale files hold display (sRGB-like) values, but ImageIO labels their single band linear gray and
 * {@code getRGB} would brighten them (100 -> 168): their samples are taken as they are. Everything else (indexed,
 * 16-bit, premultiplied alpha, other colour spaces) goes through {@code getRGB}, which knows every colour model.
 */
final class PixelRows {

    private enum Path { SAMPLES, GRAY, COLOUR_MODEL }

    private final BufferedImage image;
    private final Raster raster;
    private final int width;
    private final Path path;
    private final int bands;
    private final int grayMax;
    private final int[] scratch;

    PixelRows(BufferedImage image) {
        this.image = image;
        this.raster = image.getRaster();
        this.width = image.getWidth();
        ColorModel model = image.getColorModel();
        this.bands = raster.getNumBands();
        if (bands == 1 && model.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            this.path = Path.GRAY;
        } else if (isPlainSrgb(model, bands)) {
            this.path = Path.SAMPLES;
        } else {
            this.path = Path.COLOUR_MODEL;
        }
        this.grayMax = path == Path.GRAY ? (1 << model.getComponentSize(0)) - 1 : 255;
        this.scratch = path == Path.COLOUR_MODEL ? null : new int[width * bands];
    }

    /** R, G, B (and a non-premultiplied A) as 8-bit samples in band order: nothing to convert. */
    private static boolean isPlainSrgb(ColorModel model, int bands) {
        if (!(model instanceof ComponentColorModel) || !model.getColorSpace().isCS_sRGB()
                || model.getTransferType() != DataBuffer.TYPE_BYTE || model.isAlphaPremultiplied()) {
            return false;
        }
        if (bands != (model.hasAlpha() ? 4 : 3) || model.getNumComponents() != bands) {
            return false;
        }
        for (int size : model.getComponentSize()) {
            if (size != 8) {
                return false;
            }
        }
        return true;
    }

    /** Row {@code y} into {@code rgb[0..width)}. */
    void read(int y, int[] rgb) {
        switch (path) {
            case GRAY -> {
                raster.getSamples(0, y, width, 1, 0, scratch);
                for (int x = 0; x < width; x++) {
                    int v = grayMax == 255 ? scratch[x] : (int) Math.round(scratch[x] * 255.0 / grayMax);
                    rgb[x] = (v << 16) | (v << 8) | v;
                }
            }
            case SAMPLES -> {
                raster.getPixels(0, y, width, 1, scratch);
                for (int x = 0, i = 0; x < width; x++, i += bands) {
                    int alpha = bands == 4 ? scratch[i + 3] : 255;
                    rgb[x] = (onWhite(scratch[i], alpha) << 16) | (onWhite(scratch[i + 1], alpha) << 8)
                            | onWhite(scratch[i + 2], alpha);
                }
            }
            case COLOUR_MODEL -> {
                image.getRGB(0, y, width, 1, rgb, 0, width);
                for (int x = 0; x < width; x++) {
                    int argb = rgb[x];
                    int alpha = argb >>> 24;
                    rgb[x] = (onWhite((argb >> 16) & 0xFF, alpha) << 16) | (onWhite((argb >> 8) & 0xFF, alpha) << 8)
                            | onWhite(argb & 0xFF, alpha);
                }
            }
        }
    }

    private static int onWhite(int value, int alpha) {
        return alpha == 255 ? value : (value * alpha + 255 * (255 - alpha)) / 255;
    }
}
