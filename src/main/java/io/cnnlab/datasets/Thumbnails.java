package io.cnnlab.datasets;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * Stored images as small PNG data URLs, for pages that show a data set's pictures (sample thumbnails, a model's
 * mistakes) without a second request per image; a data URL is also what the dashboard's CSP allows for images.
 */
public final class Thumbnails {

    private static final String PREFIX = "data:image/png;base64,";

    private Thumbnails() {
    }

    /** Image {@code index} of {@code images} as {@code data:image/png;base64,...}, at its stored size (32x32). */
    public static String dataUrl(LabelledImages images, int index) {
        return PREFIX + Base64.getEncoder().encodeToString(png(images, index));
    }

    /** Image {@code index} as PNG bytes: RGB, or grey when the images have one channel. */
    public static byte[] png(LabelledImages images, int index) {
        if (index < 0 || index >= images.size()) {
            throw new IndexOutOfBoundsException("image " + index + " of " + images.size());
        }
        if (images.channels() != 3 && images.channels() != 1) {
            throw new IllegalArgumentException("cannot draw images of " + images.channels() + " channels");
        }
        int width = images.width();
        int height = images.height();
        int plane = width * height;
        int start = index * images.imageBytes();
        byte[] pixels = images.pixels();
        // the stored layout is one plane per channel (red, green, blue); a picture wants the three per pixel
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < plane; p++) {
            int r = pixels[start + p] & 0xFF;
            int g = images.channels() == 3 ? pixels[start + plane + p] & 0xFF : r;
            int b = images.channels() == 3 ? pixels[start + 2 * plane + p] & 0xFF : r;
            image.setRGB(p % width, p / width, (r << 16) | (g << 8) | b);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);  // into memory: does not happen
        }
        return out.toByteArray();
    }

    /** What {@link #dataUrl} answers, back as PNG bytes; for callers and tests that read a thumbnail. */
    public static byte[] decode(String dataUrl) {
        if (!dataUrl.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a PNG data URL");
        }
        return Base64.getDecoder().decode(dataUrl.substring(PREFIX.length()));
    }
}
