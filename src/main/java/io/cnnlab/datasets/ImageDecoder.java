package io.cnnlab.datasets;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns an encoded image (PNG, JPEG including CMYK and progressive, GIF's first frame, BMP, WebP, TIFF: ImageIO with
 * the TwelveMonkeys plugins) into the 32x32 RGB planes the networks' {@link Preprocessing} takes, the same layout as a
 * CIFAR-10 record. A JPEG's EXIF orientation is applied first.
 *
 * <p>The header is read first and an image over {@code maxPixels} is refused before any pixel is decoded, so a
 * small file that claims 30,000 x 30,000 pixels costs nothing. An axis longer than twice {@link #SAMPLES_PER_AXIS}
 * is decoded with every n-th pixel only (what the network sees is 32 wide anyway). Transparent pixels are laid on
 * white; the whole image is squeezed to 32x32 by averaging the pixels that fall in each cell (nothing is cropped away).
 *
 * <p>A damaged image is refused, not repaired: a PNG chunk that is cut or fails its CRC, a file that ends early, and
 * any warning a reader raises (the JPEG reader's "premature end" fills the missing part with grey) are
 * {@link UnusableImageException.Reason#UNREADABLE}.
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

    /**
     * Fewest decoded pixels per axis: 8 per cell, enough for the cell averages of a subsampled image to stay within a
     * few levels of the full-resolution ones on photographs. An axis up to twice this long is decoded whole.
     */
    static final int SAMPLES_PER_AXIS = 256;

    /**
     * Warnings that say how colours are converted or that a thumbnail or colour profile was left out (TwelveMonkeys
     * gives one for every CMYK JPEG without a profile): the pixels themselves are whole. Every other warning refuses
     * the image.
     */
    private static final Pattern NOT_ABOUT_PIXELS = Pattern.compile("\\b(ICC|thumbnail|App14)\\b", Pattern.CASE_INSENSITIVE);

    /** 3 x 32 x 32 bytes, channel planes R, G, B. */
    public byte[] decode(byte[] encoded) {
        if (encoded == null || encoded.length == 0) {
            throw new UnusableImageException(UnusableImageException.Reason.UNREADABLE, "the image is empty");
        }
        if (PngChunks.isPng(encoded)) {
            PngChunks.verify(encoded);
        }
        try (ImageInputStream in = new GuardedImageInputStream(encoded, DECODE_BUDGET_NANOS)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new UnusableImageException(UnusableImageException.Reason.UNSUPPORTED,
                        "not an image format this service reads (PNG, JPEG, GIF, BMP, WebP, TIFF)");
            }
            ImageReader reader = readers.next();
            // a reader that warns has patched over damage (a cut JPEG comes out with grey fill): that image is not
            // what the client sent. Recorded, not thrown: the JDK's JPEG reader calls listeners from native code.
            List<String> warnings = new ArrayList<>(1);
            reader.addIIOReadWarningListener((source, warning) -> {
                if (!NOT_ABOUT_PIXELS.matcher(warning).find()) {
                    warnings.add(warning);
                }
            });
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width <= 0 || height <= 0) {
                    throw new UnusableImageException(UnusableImageException.Reason.UNREADABLE, "the image has no pixels");
                }
                if ((long) width * height > maxPixels) {
                    throw new UnusableImageException(UnusableImageException.Reason.TOO_LARGE,
                            "the image is %d x %d pixels; at most %,d pixels are accepted".formatted(width, height, maxPixels));
                }
                Axis across = Axis.sampling(width);
                Axis down = Axis.sampling(height);
                ImageReadParam param = reader.getDefaultReadParam();
                if (across.step() > 1 || down.step() > 1) {
                    param.setSourceSubsampling(across.step(), down.step(), across.origin(), down.origin());
                }
                BufferedImage stored = reader.read(0, param);
                if (!warnings.isEmpty()) {
                    throw new UnusableImageException(UnusableImageException.Reason.UNREADABLE,
                            "the image is damaged (truncated or corrupt): " + warnings.get(0));
                }
                across = across.decodedAs(stored.getWidth());
                down = down.decodedAs(stored.getHeight());
                int orientation = ExifOrientation.of(encoded);
                BufferedImage image = ExifOrientation.upright(stored, orientation);
                Axis displayX = ExifOrientation.swapsAxes(orientation) ? down : across;
                Axis displayY = ExifOrientation.swapsAxes(orientation) ? across : down;
                return toPlanes(image,
                        ExifOrientation.mirrorsX(orientation) ? displayX.mirrored() : displayX,
                        ExifOrientation.mirrorsY(orientation) ? displayY.mirrored() : displayY);
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
     * Which full-resolution positions one axis of a decoded image holds: decoded pixel {@code i} is position
     * {@code origin + i * step} of {@code length}. Huge images are decoded with every {@code step}-th pixel (from the
     * middle of each step), and each decoded pixel still counts towards the cell its full-resolution position falls
     * in, so the cells keep the bounds they have at full resolution.
     */
    record Axis(int origin, int step, int length) {

        static Axis whole(int length) {
            return new Axis(0, 1, length);
        }

        /** Between {@link #SAMPLES_PER_AXIS} and twice as many decoded pixels; a shorter axis is decoded whole. */
        static Axis sampling(int length) {
            int step = Math.max(1, length / SAMPLES_PER_AXIS);
            return new Axis(step / 2, step, length);
        }

        int samples() {
            return (int) ((length - origin + (long) step - 1) / step);
        }

        /** This axis if the reader delivered what was asked; otherwise the decoded pixels stand for the whole axis. */
        Axis decodedAs(int decoded) {
            return decoded == samples() ? this : whole(decoded);
        }

        /** The same pixels counted from the other end (an EXIF flip or turn). */
        Axis mirrored() {
            return new Axis(length - 1 - origin - (samples() - 1) * step, step, length);
        }

        int cell(int index) {
            return (int) ((origin + (long) index * step) * SIDE / length);
        }
    }

    /** {@link #toPlanes(BufferedImage, Axis, Axis)} of an image decoded at full resolution. */
    static byte[] toPlanes(BufferedImage image) {
        return toPlanes(image, Axis.whole(image.getWidth()), Axis.whole(image.getHeight()));
    }

    /**
     * Area average into 32x32 cells (nearest source pixel when the image is smaller than 32), alpha over white. Rows
     * are read one at a time and a band of cells is averaged as soon as its last row is in: nothing the size of the
     * image or the grid is allocated per call beyond the result.
     */
    static byte[] toPlanes(BufferedImage image, Axis across, Axis down) {
        int width = image.getWidth();
        int height = image.getHeight();
        PixelRows pixels = new PixelRows(image);
        int[] row = new int[width];
        int[] cellOf = new int[width];
        for (int x = 0; x < width; x++) {
            cellOf[x] = across.cell(x);
        }
        long[] sums = new long[3 * SIDE];
        long[] counts = new long[SIDE];
        boolean[] filled = new boolean[SIDE * SIDE];
        byte[] planes = new byte[3 * SIDE * SIDE];
        int band = 0;
        for (int y = 0; y < height; y++) {
            int cellRow = down.cell(y);
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
                    int source = down.cell(sy) * SIDE + across.cell(sx);
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
