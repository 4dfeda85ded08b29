package io.cnnlab.datasets;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ThumbnailsTest {

    @Test
    void aThumbnailIsTheStoredImageAt32By32WithEveryPixelAsStored() throws Exception {
        int plane = 32 * 32;
        byte[] pixels = new byte[2 * 3 * plane];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7 + i / plane * 50); // distinct per channel plane and per image
        }
        LabelledImages images = new LabelledImages(pixels, new short[]{0, 1}, 3, 32, 32, List.of("a", "b"));

        String url = Thumbnails.dataUrl(images, 1);

        assertThat(url).startsWith("data:image/png;base64,");
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(Thumbnails.decode(url)));
        assertThat(png.getWidth()).isEqualTo(32);
        assertThat(png.getHeight()).isEqualTo(32);
        int start = 3 * plane;
        for (int p = 0; p < plane; p++) {
            int rgb = png.getRGB(p % 32, p / 32);
            assertThat(rgb >> 16 & 0xFF).as("red " + p).isEqualTo(pixels[start + p] & 0xFF);
            assertThat(rgb >> 8 & 0xFF).as("green " + p).isEqualTo(pixels[start + plane + p] & 0xFF);
            assertThat(rgb & 0xFF).as("blue " + p).isEqualTo(pixels[start + 2 * plane + p] & 0xFF);
        }
    }

    @Test
    void anIndexOutsideTheImagesIsRefused() {
        LabelledImages images = new LabelledImages(new byte[3 * 4], new short[]{0}, 3, 2, 2, List.of("a"));
        assertThatThrownBy(() -> Thumbnails.dataUrl(images, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Thumbnails.decode("data:image/jpeg;base64,AA==")).isInstanceOf(IllegalArgumentException.class);
    }
}
