package io.cnnlab.inference;

import io.cnnlab.datasets.LabelledImages;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/** A stored image as a PNG data URL, at its stored size (32 x 32), for a page to show without another request. */
final class Thumbnails {

    private Thumbnails() {
    }

    /** Image {@code index} of {@code images} (channel planes: RGB, or one grey plane) as {@code data:image/png;base64,...}. */
    static String dataUrl(LabelledImages images, int index) {
        int h = images.height();
        int w = images.width();
        int plane = h * w;
        int offset = index * images.imageBytes();
        byte[] pixels = images.pixels();
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int at = offset + y * w + x;
                int r = Byte.toUnsignedInt(pixels[at]);
                int g = images.channels() >= 3 ? Byte.toUnsignedInt(pixels[at + plane]) : r;
                int b = images.channels() >= 3 ? Byte.toUnsignedInt(pixels[at + 2 * plane]) : r;
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
    }
}
