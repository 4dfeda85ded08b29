package io.cnnlab.datasets;

import org.junit.jupiter.api.Test;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageDecoderTest {

    private final ImageDecoder decoder = new ImageDecoder(40_000_000);

    /** 40x24: a green bar over the top 6 rows, then red on the left half, blue on the right. */
    private static BufferedImage bars() {
        BufferedImage image = new BufferedImage(40, 24, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 40; x++) {
                image.setRGB(x, y, y < 6 ? 0x00C800 : x < 20 ? 0xDC1414 : 0x1414DC);
            }
        }
        return image;
    }

    private static int[] rgb(byte[] planes, int row, int col) {
        int i = row * 32 + col;
        return new int[]{planes[i] & 0xFF, planes[1024 + i] & 0xFF, planes[2048 + i] & 0xFF};
    }

    private static void assertMostly(int[] rgb, char colour) {
        int dominant = rgb[0] > rgb[1] && rgb[0] > rgb[2] ? 'r' : rgb[1] > rgb[2] ? 'g' : 'b';
        assertThat((char) dominant).as("pixel %d,%d,%d", rgb[0], rgb[1], rgb[2]).isEqualTo(colour);
    }

    private static void assertBars(byte[] planes) {
        assertMostly(rgb(planes, 2, 16), 'g');
        assertMostly(rgb(planes, 20, 4), 'r');
        assertMostly(rgb(planes, 20, 28), 'b');
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).as(format).isTrue();
        return out.toByteArray();
    }

    @Test
    void pngJpegBmpGifAndTiffAllComeOutAsTheSamePicture() throws IOException {
        for (String format : new String[]{"png", "jpg", "bmp", "gif", "tiff"}) {
            assertBars(decoder.decode(encode(bars(), format)));
        }
    }

    @Test
    void webpIsReadThroughThePlugin() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/images/bars.webp")) {
            assertBars(decoder.decode(in.readAllBytes()));
        }
    }

    /**
     * Found by UploadFuzzFaultIT: a WebP whose RIFF header was damaged sends the WebP plugin's bit reader into an
     * endless loop at the end of the data. The decoder's stream stops it.
     */
    @Test
    void aDecoderThatNeverStopsIsStoppedAtTheEndOfTheData() throws IOException {
        byte[] endless;
        try (InputStream in = getClass().getResourceAsStream("/images/endless-vp8l.webp")) {
            endless = in.readAllBytes();
        }
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () ->
                assertThatThrownBy(() -> decoder.decode(endless))
                        .isInstanceOfSatisfying(ImageDecoder.UnusableImageException.class,
                                e -> assertThat(e.reason()).isEqualTo(ImageDecoder.UnusableImageException.Reason.UNREADABLE))
                        .hasMessageContaining("truncated or corrupt"));
    }

    /**
     * A CMYK JPEG as print workflows write it (Adobe APP14 marker, YCCK transform), made with ImageMagick:
     * {@code convert -size 32x32 xc:red ( -size 16x32 xc:blue ) -geometry +16+0 -composite -colorspace CMYK}.
     * The JDK's own reader refuses such files; the TwelveMonkeys plugin converts them to RGB.
     */
    @Test
    void cmykJpegComesOutInRgb() throws IOException {
        byte[] planes;
        try (InputStream in = getClass().getResourceAsStream("/images/red-blue-cmyk.jpg")) {
            planes = decoder.decode(in.readAllBytes());
        }
        int left = 16 * 32 + 4, right = 16 * 32 + 28, g = 32 * 32, b = 2 * 32 * 32;
        assertThat(planes[left] & 0xFF).isGreaterThan(240);
        assertThat(planes[g + left] & 0xFF).isLessThan(15);
        assertThat(planes[b + left] & 0xFF).isLessThan(15);
        assertThat(planes[right] & 0xFF).isLessThan(15);
        assertThat(planes[g + right] & 0xFF).isLessThan(15);
        assertThat(planes[b + right] & 0xFF).isGreaterThan(240);
    }

    @Test
    void progressiveJpegDecodes() throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(bars(), null, null), param);
        }
        writer.dispose();
        assertBars(decoder.decode(out.toByteArray()));
    }

    @Test
    void grayscaleBecomesThreeEqualPlanesAndTransparencyBecomesWhite() throws IOException {
        BufferedImage gray = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 100);
        byte[] planes = decoder.decode(encode(gray, "png"));
        assertThat(rgb(planes, 0, 0)).containsExactly(100, 100, 100);

        BufferedImage bits = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_BINARY); // 1-bit: 0 and 1 mean black, white
        bits.setRGB(0, 0, 0xFFFFFF);
        byte[] binary = decoder.decode(encode(bits, "png"));
        assertThat(rgb(binary, 0, 0)).containsExactly(255, 255, 255);
        assertThat(rgb(binary, 31, 31)).containsExactly(0, 0, 0);

        BufferedImage clear = new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB); // all transparent black
        assertThat(rgb(decoder.decode(encode(clear, "png")), 10, 10)).containsExactly(255, 255, 255);
    }

    @Test
    void aOnePixelImageFillsTheWholeGrid() throws IOException {
        BufferedImage one = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        one.setRGB(0, 0, 0x102030);
        byte[] planes = decoder.decode(encode(one, "png"));
        assertThat(rgb(planes, 0, 0)).containsExactly(0x10, 0x20, 0x30);
        assertThat(rgb(planes, 31, 31)).containsExactly(0x10, 0x20, 0x30);
    }

    @Test
    void exifOrientationTurnsTheImageUpright() throws IOException {
        byte[] jpeg = encode(bars(), "jpg");
        // orientation 6: stored sideways, to be shown turned 90 degrees clockwise; the green top bar ends up on the right
        byte[] rotated = decoder.decode(withOrientation(jpeg, 6));
        assertMostly(rgb(rotated, 16, 30), 'g');
        assertMostly(rgb(rotated, 4, 2), 'r');
        assertMostly(rgb(rotated, 28, 2), 'b');
        // orientation 3: upside down; the green bar ends up at the bottom, red on the right
        byte[] flipped = decoder.decode(withOrientation(jpeg, 3));
        assertMostly(rgb(flipped, 30, 16), 'g');
        assertMostly(rgb(flipped, 12, 28), 'r');
        // orientation 8: turned 90 degrees counter-clockwise; the green bar ends up on the left
        assertMostly(rgb(decoder.decode(withOrientation(jpeg, 8)), 16, 1), 'g');
        assertThat(ExifOrientation.of(jpeg)).isEqualTo(1);
        assertThat(ExifOrientation.of(withOrientation(jpeg, 6))).isEqualTo(6);
    }

    @Test
    void junkIsRefusedWithTheRightReason() {
        assertThatThrownBy(() -> decoder.decode(new byte[0])).isInstanceOfSatisfying(ImageDecoder.UnusableImageException.class,
                e -> assertThat(e.reason()).isEqualTo(ImageDecoder.UnusableImageException.Reason.UNREADABLE));
        assertThatThrownBy(() -> decoder.decode("hello".getBytes())).isInstanceOfSatisfying(ImageDecoder.UnusableImageException.class,
                e -> assertThat(e.reason()).isEqualTo(ImageDecoder.UnusableImageException.Reason.UNSUPPORTED));
        assertThatThrownBy(() -> new ImageDecoder(100).decode(encode(bars(), "png")))
                .isInstanceOfSatisfying(ImageDecoder.UnusableImageException.class,
                        e -> assertThat(e.reason()).isEqualTo(ImageDecoder.UnusableImageException.Reason.TOO_LARGE));
    }

    /** 96x64 with smooth gradients and some noise: compresses like a photo, so a cut lands in the middle of the scan. */
    private static BufferedImage photoLike(int width, int height, long seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(seed);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = (int) (127 + 100 * Math.sin(x / (width / 7.0)) + random.nextInt(21) - 10);
                int g = (int) (127 + 100 * Math.cos(y / (height / 5.0)) + random.nextInt(21) - 10);
                int b = (int) (127 + 90 * Math.sin((x + y) / ((width + height) / 9.0)) + random.nextInt(21) - 10);
                image.setRGB(x, y, (clamp(r) << 16) | (clamp(g) << 8) | clamp(b));
            }
        }
        return image;
    }

    private static int clamp(int value) {
        return Math.max(0, Math.min(255, value));
    }

    private void assertUnreadable(byte[] image, String what) {
        assertThatThrownBy(() -> decoder.decode(image)).as(what)
                .isInstanceOfSatisfying(ImageDecoder.UnusableImageException.class,
                        e -> assertThat(e.reason()).isEqualTo(ImageDecoder.UnusableImageException.Reason.UNREADABLE));
    }

    /** Before: the missing 60 % came out as grey fill and was classified. */
    @Test
    void aJpegCutShortIsRefusedNotFilledWithGrey() throws IOException {
        byte[] jpeg = encode(photoLike(256, 192, 1), "jpg");
        decoder.decode(jpeg); // whole, it decodes
        byte[] cut = java.util.Arrays.copyOf(jpeg, jpeg.length * 40 / 100); // in the scan: the reader fills and warns
        assertUnreadable(cut, "cut at 40 %");
        assertThatThrownBy(() -> decoder.decode(cut)).hasMessageStartingWith("the image is damaged");
        assertUnreadable(java.util.Arrays.copyOf(jpeg, jpeg.length - 2), "without its end marker");
    }

    /** Before: the JDK's PNG reader never looks at a CRC, so a damaged header decoded (as whatever it now said). */
    @Test
    void aPngWithAWrongCrcIsRefused() throws IOException {
        byte[] png = encode(photoLike(40, 30, 2), "png");
        decoder.decode(png);
        byte[] badHeaderCrc = png.clone();
        badHeaderCrc[8 + 8 + 13] ^= 0x01; // IHDR: length, type, 13 bytes of data, then its CRC
        assertUnreadable(badHeaderCrc, "IHDR CRC");
        byte[] badHeaderData = png.clone();
        badHeaderData[8 + 8 + 3] ^= 0x01; // the width's low byte: a different image, but the CRC no longer matches
        assertUnreadable(badHeaderData, "IHDR data");
        byte[] badLastCrc = png.clone();
        badLastCrc[png.length - 1] ^= 0x01; // IEND's CRC
        assertUnreadable(badLastCrc, "IEND CRC");
    }

    @Test
    void aPngCutShortIsRefused() throws IOException {
        byte[] png = encode(photoLike(96, 64, 3), "png");
        assertUnreadable(java.util.Arrays.copyOf(png, png.length * 40 / 100), "cut in the image data");
        assertUnreadable(java.util.Arrays.copyOf(png, png.length - 12), "without IEND");
        assertUnreadable(java.util.Arrays.copyOf(png, 20), "cut in IHDR");
    }

    /**
     * A huge image is decoded with every n-th pixel only. Each cell then averages a sample of its pixels (at least 8
     * per axis) instead of all of them: on a photo-like image (gradients plus +-10 noise, the worst case for a sample)
     * every cell stays within 6 of 255 levels of the full-resolution average, and under 1 level on average (seen here:
     * at most 4 and 0.66 for PNG, 2 and 0.41 for JPEG, whose compression smooths the noise).
     */
    @Test
    void aHugeImageIsSubsampledAndStaysCloseToTheFullAverage() throws IOException {
        BufferedImage photo = photoLike(770, 530, 4); // decoded as 257 x 265: every 3rd column, every 2nd row
        for (String format : new String[]{"png", "jpg"}) {
            byte[] encoded = encode(photo, format);
            byte[] full = ImageDecoder.toPlanes(ImageIO.read(new java.io.ByteArrayInputStream(encoded)));
            byte[] sampled = decoder.decode(encoded);
            int max = 0;
            long total = 0;
            for (int i = 0; i < full.length; i++) {
                int difference = Math.abs((full[i] & 0xFF) - (sampled[i] & 0xFF));
                max = Math.max(max, difference);
                total += difference;
            }
            assertThat(max).as(format + " largest difference").isLessThanOrEqualTo(6);
            assertThat((double) total / full.length).as(format + " mean difference").isLessThan(1.0);
            assertThat(sampled).as(format + " is a sample, not the full decode").isNotEqualTo(full);
        }
    }

    /** Up to 511 pixels per axis nothing is left out: the result is exactly the full-resolution one. */
    @Test
    void anImageUpTo511PixelsPerSideIsDecodedWhole() throws IOException {
        BufferedImage photo = photoLike(511, 256, 6);
        byte[] encoded = encode(photo, "png");
        assertThat(decoder.decode(encoded)).isEqualTo(referencePlanes(photo));
    }

    /**
     * Subsampled pixels count towards the cell of their full-resolution position, also after an EXIF turn or flip.
     * The reference takes the full decode, keeps the pixels at the stored positions the sampling reads (every 3rd
     * column from 1, every 2nd row from 1) and averages them into cells at full resolution: a pixel counted one
     * position off (flipped, the samples sit 0 and 1 from the far edges), or an axis taken for the other, changes a
     * cell.
     */
    @Test
    void subsampledPixelsLandInTheirCellsWhateverTheOrientation() throws IOException {
        int width = 770;
        int height = 530;
        byte[] jpeg = encode(photoLike(width, height, 5), "jpg");
        BufferedImage decoded = withoutAlpha(ImageIO.read(new java.io.ByteArrayInputStream(jpeg)));
        BufferedImage read = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 1; y < height; y += 2) {
            for (int x = 1; x < width; x += 3) {
                read.setRGB(x, y, 0xFFFFFF);
            }
        }
        for (int orientation = 1; orientation <= 8; orientation++) {
            byte[] expected = sampledPlanes(ExifOrientation.upright(decoded, orientation),
                    ExifOrientation.upright(read, orientation));
            assertThat(decoder.decode(withOrientation(jpeg, orientation))).as("orientation " + orientation).isEqualTo(expected);
        }
    }

    /** Cell averages over the pixels of {@code image} that are white in {@code mask}, cells as at full resolution. */
    private static byte[] sampledPlanes(BufferedImage image, BufferedImage mask) {
        int width = image.getWidth();
        int height = image.getHeight();
        long[][] sums = new long[3][1024];
        long[] counts = new long[1024];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if ((mask.getRGB(x, y) & 0xFFFFFF) == 0) {
                    continue;
                }
                int rgb = image.getRGB(x, y);
                int cell = (y * 32 / height) * 32 + x * 32 / width;
                for (int c = 0; c < 3; c++) {
                    sums[c][cell] += rgb >> (16 - 8 * c) & 0xFF;
                }
                counts[cell]++;
            }
        }
        byte[] planes = new byte[3 * 1024];
        for (int cell = 0; cell < 1024; cell++) {
            for (int c = 0; c < 3; c++) {
                planes[c * 1024 + cell] = (byte) Math.round((double) sums[c][cell] / counts[cell]);
            }
        }
        return planes;
    }

    @Test
    void aMirroredAxisHoldsTheSamePositionsCountedFromTheOtherEnd() {
        for (int length : new int[]{512, 777, 1024, 6300}) {
            ImageDecoder.Axis axis = ImageDecoder.Axis.sampling(length);
            ImageDecoder.Axis mirrored = axis.mirrored();
            int n = axis.samples();
            assertThat(mirrored.samples()).isEqualTo(n);
            assertThat(n).isBetween(ImageDecoder.SAMPLES_PER_AXIS, 2 * ImageDecoder.SAMPLES_PER_AXIS - 1);
            for (int i = 0; i < n; i++) {
                assertThat(mirrored.origin() + i * mirrored.step())
                        .isEqualTo(length - 1 - (axis.origin() + (n - 1 - i) * axis.step()));
            }
        }
        assertThat(ImageDecoder.Axis.sampling(511)).isEqualTo(ImageDecoder.Axis.whole(511));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} {1}x{2}")
    @org.junit.jupiter.params.provider.CsvSource({
            "TYPE_3BYTE_BGR, 32, 32", "TYPE_3BYTE_BGR, 100, 37", "TYPE_4BYTE_ABGR, 45, 7", "TYPE_4BYTE_ABGR, 64, 64",
            "TYPE_4BYTE_ABGR_PRE, 33, 31", "TYPE_INT_ARGB, 1, 90", "TYPE_INT_RGB, 13, 13", "TYPE_BYTE_INDEXED, 50, 20",
            "TYPE_USHORT_565_RGB, 40, 40", "TYPE_3BYTE_BGR, 1, 1", "TYPE_4BYTE_ABGR, 2000, 3"})
    void everyPixelLayoutAveragesLikeTheColourModelSays(String type, int width, int height) throws Exception {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.class.getField(type).getInt(null));
        java.util.Random random = new java.util.Random(width * 31L + height);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int alpha = random.nextInt(4) == 0 ? random.nextInt(256) : 255;
                image.setRGB(x, y, (alpha << 24) | random.nextInt(1 << 24));
            }
        }
        assertThat(ImageDecoder.toPlanes(image)).isEqualTo(referencePlanes(image));
    }

    @Test
    void pngAndJpegDecodeToTheSamePlanesAsTheColourModelPath() throws IOException {
        BufferedImage rgba = new BufferedImage(37, 29, BufferedImage.TYPE_INT_ARGB);
        java.util.Random random = new java.util.Random(7);
        for (int y = 0; y < 29; y++) {
            for (int x = 0; x < 37; x++) {
                rgba.setRGB(x, y, ((random.nextBoolean() ? 255 : random.nextInt(256)) << 24) | random.nextInt(1 << 24));
            }
        }
        for (String format : new String[]{"png", "jpg"}) {
            BufferedImage source = format.equals("png") ? rgba : withoutAlpha(rgba);
            BufferedImage decoded = ImageIO.read(new java.io.ByteArrayInputStream(encode(source, format)));
            assertThat(decoder.decode(encode(source, format))).as(format).isEqualTo(referencePlanes(decoded));
        }
    }

    private static BufferedImage withoutAlpha(BufferedImage image) {
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        rgb.getGraphics().drawImage(image, 0, 0, null);
        return rgb;
    }

    /** The plain way: every pixel through {@code getRGB}, laid on white, summed per cell over the whole image. */
    private static byte[] referencePlanes(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        long[][] sums = new long[3][1024];
        long[] counts = new long[1024];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int argb = image.getRGB(x, y);
                int alpha = argb >>> 24;
                int cell = (int) ((long) y * 32 / height) * 32 + (int) ((long) x * 32 / width);
                for (int c = 0; c < 3; c++) {
                    sums[c][cell] += ((argb >> (16 - 8 * c) & 0xFF) * alpha + 255L * (255 - alpha)) / 255;
                }
                counts[cell]++;
            }
        }
        byte[] planes = new byte[3 * 1024];
        for (int cell = 0; cell < 1024; cell++) {
            int source = cell;
            if (counts[cell] == 0) {
                int sy = (int) ((cell / 32 + 0.5) * height / 32);
                int sx = (int) ((cell % 32 + 0.5) * width / 32);
                source = (int) ((long) sy * 32 / height) * 32 + (int) ((long) sx * 32 / width);
            }
            for (int c = 0; c < 3; c++) {
                planes[c * 1024 + cell] = (byte) Math.round((double) sums[c][source] / counts[source]);
            }
        }
        return planes;
    }

    /** Inserts an APP1 Exif segment (little-endian TIFF, one IFD0 entry: Orientation) right after the JPEG's SOI. */
    private static byte[] withOrientation(byte[] jpeg, int orientation) {
        ByteBuffer tiff = ByteBuffer.allocate(26).order(ByteOrder.LITTLE_ENDIAN);
        tiff.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8);
        tiff.putShort((short) 1);
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        tiff.putInt(0);
        byte[] exif = new byte[6 + tiff.capacity()];
        System.arraycopy("Exif\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, exif, 0, 6);
        System.arraycopy(tiff.array(), 0, exif, 6, tiff.capacity());
        int length = exif.length + 2;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.write(0xFF);
        out.write(0xE1);
        out.write(length >> 8);
        out.write(length & 0xFF);
        out.write(exif, 0, exif.length);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }
}
