package io.cnnlab.datasets;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The EXIF orientation tag (0x0112) of a JPEG, and the turn that puts the image upright. Phones store pictures
 * sideways with this tag; without it a "cat" photographed upright reaches the network lying on its side.
 */
final class ExifOrientation {

    private ExifOrientation() {
    }

    /** 1..8 as EXIF defines them; 1 (upright) when absent, not a JPEG, or unreadable. */
    static int of(byte[] bytes) {
        try {
            if (bytes.length < 4 || (bytes[0] & 0xFF) != 0xFF || (bytes[1] & 0xFF) != 0xD8) {
                return 1;
            }
            int offset = 2;
            while (offset + 4 <= bytes.length && (bytes[offset] & 0xFF) == 0xFF) {
                int marker = bytes[offset + 1] & 0xFF;
                int length = ((bytes[offset + 2] & 0xFF) << 8) | (bytes[offset + 3] & 0xFF);
                if (marker == 0xDA || length < 2) {
                    return 1; // start of scan: no more metadata
                }
                if (marker == 0xE1 && length >= 16 && new String(bytes, offset + 4, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("Exif")) {
                    return fromTiff(bytes, offset + 10, offset + 2 + length);
                }
                offset += 2 + length;
            }
        } catch (RuntimeException e) {
            return 1;
        }
        return 1;
    }

    private static int fromTiff(byte[] bytes, int start, int end) {
        ByteBuffer tiff = ByteBuffer.wrap(bytes, start, end - start).slice();
        tiff.order(tiff.get(0) == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        int ifd = tiff.getInt(4);
        int entries = tiff.getShort(ifd) & 0xFFFF;
        for (int i = 0; i < entries; i++) {
            int entry = ifd + 2 + i * 12;
            if ((tiff.getShort(entry) & 0xFFFF) == 0x0112) {
                int value = tiff.getShort(entry + 8) & 0xFFFF;
                return value >= 1 && value <= 8 ? value : 1;
            }
        }
        return 1;
    }

    /** Orientations 5 to 8 turn the image a quarter: the displayed x axis is the stored y axis. */
    static boolean swapsAxes(int orientation) {
        return orientation >= 5 && orientation <= 8;
    }

    /** The displayed x axis runs against the stored axis it comes from (see {@link #upright}). */
    static boolean mirrorsX(int orientation) {
        return orientation == 2 || orientation == 3 || orientation == 6 || orientation == 7;
    }

    /** The displayed y axis runs against the stored axis it comes from. */
    static boolean mirrorsY(int orientation) {
        return orientation == 3 || orientation == 4 || orientation == 7 || orientation == 8;
    }

    /** The image as a viewer would show it: display pixel (x, y) taken from the stored pixel the tag names. */
    static BufferedImage upright(BufferedImage image, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return image;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        boolean swap = orientation >= 5;
        int dw = swap ? h : w;
        int dh = swap ? w : h;
        BufferedImage out = new BufferedImage(dw, dh, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < dh; y++) {
            for (int x = 0; x < dw; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; } // 8
                }
                out.setRGB(x, y, image.getRGB(sx, sy));
            }
        }
        return out;
    }
}
