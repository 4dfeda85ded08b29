package io.cnnlab.datasets;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Iterator;

/**
 * Turns an encoded image (PNG, JPEG including CMYK and progressive, GIF's first frame, BMP, WebP, TIFF: ImageIO with
 * the TwelveMonkeys plugins) into the 32x32 RGB planes the networks' {@link Preprocessing} takes, the same layout as a
 * CIFAR-10 record. A JPEG's EXIF orientation is applied first.
 *
 * <p>The header is read first and an image over {@code maxPixels} is refused before any pixel is decoded, so a
 * small file that claims 30,000 x 30,000 pixels costs nothing. Transparent pixels are laid on white; the whole
 * image is squeezed to 32x32 by averaging the pixels that fall in each cell (nothing is cropped away).
 */
public final class ImageDecoder {

    public static final int SIDE = Cifar10.SIDE;

    private final long maxPixels;

    public ImageDecoder(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    /** Something the client sent is not an image we can use; the message says why. */
    public static class UnusableImageException extends RuntimeException {

        public enum Reason { UNREADABLE, UNSUPPORTED, TOO_LARGE }

        private final Reason reason;

        UnusableImageException(Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    /** Longest a single decode may take: a 40-megapixel JPEG decodes in well under this on one core. */
    private static final long DECODE_BUDGET_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

    /** 3 x 32 x 32 bytes, channel planes R, G, B. */
    public byte[] decode(byte[] encoded) {
        if (encoded == null || encoded.length == 0) {
            throw new UnusableImageException(UnusableImageException.Reason.UNREADABLE, "the image is empty");
        }
        try (ImageInputStream in = new GuardedImageInputStream(encoded, DECODE_BUDGET_NANOS)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new UnusableImageException(UnusableImageException.Reason.UNSUPPORTED,
                        "not an image format this service reads (PNG, JPEG, GIF, BMP, WebP, TIFF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long width = reader.getWidth(0);
                long height = reader.getHeight(0);
                if (width <= 0 || height <= 0) {
                    throw new UnusableImageException(UnusableImageException.Reason.UNREADABLE, "the image has no pixels");
                }
                if (width * height > maxPixels) {
                    throw new UnusableImageException(UnusableImageException.Reason.TOO_LARGE,
                            "the image is %d x %d pixels; at most %,d pixels are accepted".formatted(width, height, maxPixels));
                }
                BufferedImage image = ExifOrientation.upright(reader.read(0), ExifOrientation.of(encoded));
                return toPlanes(image);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof UnusableImageException unusable) {
                throw unusable;
            }
            throw new UnusableImageException(UnusableImageException.Reason.UNREADABLE,
                    "the image cannot be decoded (truncated or corrupt?): " + e.getMessage());
        }
    }

    /**
     * Area average into 32x32 cells (nearest source pixel when the image is smaller than 32), alpha over white. Rows
     * are read one at a time and a band of cells is averaged as soon as its last row is in: nothing the size of the
     * image or the grid is allocated per call beyond the result.
     */
    static byte[] toPlanes(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        PixelRows pixels = new PixelRows(image);
        int[] row = new int[width];
        int[] cellOf = new int[width];
        for (int x = 0; x < width; x++) {
            cellOf[x] = (int) ((long) x * SIDE / width);
        }
        long[] sums = new long[3 * SIDE];
        long[] counts = new long[SIDE];
        boolean[] filled = new boolean[SIDE * SIDE];
        byte[] planes = new byte[3 * SIDE * SIDE];
        int band = 0;
        for (int y = 0; y < height; y++) {
            int cellRow = (int) ((long) y * SIDE / height);
            if (cellRow != band) {
                averageBand(band, sums, counts, planes, filled);
                band = cellRow;
            }
            pixels.read(y, row);
            for (int x = 0; x < width; x++) {
                int rgb = row[x];
                int cell = cellOf[x];
                sums[cell] += (rgb >> 16) & 0xFF;
                sums[SIDE + cell] += (rgb >> 8) & 0xFF;
                sums[2 * SIDE + cell] += rgb & 0xFF;
                counts[cell]++;
            }
        }
        averageBand(band, sums, counts, planes, filled);
        // an image smaller than 32 on an axis leaves cells without pixels: each takes the cell its centre falls in
        for (int cy = 0; cy < SIDE; cy++) {
            for (int cx = 0; cx < SIDE; cx++) {
                int cell = cy * SIDE + cx;
                if (!filled[cell]) {
                    int sy = (int) ((cy + 0.5) * height / SIDE);
                    int sx = (int) ((cx + 0.5) * width / SIDE);
                    int source = (int) ((long) sy * SIDE / height) * SIDE + (int) ((long) sx * SIDE / width);
                    for (int c = 0; c < 3; c++) {
                        planes[c * SIDE * SIDE + cell] = planes[c * SIDE * SIDE + source];
                    }
                }
            }
        }
        return planes;
    }

    /** The finished band {@code cellRow}'s cell averages into the planes; the sums start again at zero. */
    private static void averageBand(int cellRow, long[] sums, long[] counts, byte[] planes, boolean[] filled) {
        for (int cx = 0; cx < SIDE; cx++) {
            if (counts[cx] == 0) {
                continue;
            }
            int cell = cellRow * SIDE + cx;
            for (int c = 0; c < 3; c++) {
                planes[c * SIDE * SIDE + cell] = (byte) Math.round((double) sums[c * SIDE + cx] / counts[cx]);
                sums[c * SIDE + cx] = 0;
            }
            counts[cx] = 0;
            filled[cell] = true;
        }
    }
}
