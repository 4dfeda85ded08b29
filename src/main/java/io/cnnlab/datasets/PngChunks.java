package io.cnnlab.datasets;

import java.util.zip.CRC32;

/**
 * The chunk structure of a PNG, checked before it is decoded. The JDK's PNG reader never looks at a chunk's CRC and
 * decodes what it has when the data stops early, so a damaged header or a file cut in its image data would be
 * classified as whatever it now seems to show. Here every chunk must be whole, its CRC must match, and the file
 * must reach IEND; bytes after IEND are ignored, as every viewer does.
 */
final class PngChunks {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final int IEND = ('I' << 24) | ('E' << 16) | ('N' << 8) | 'D';

    private PngChunks() {
    }

    static boolean isPng(byte[] bytes) {
        if (bytes.length < SIGNATURE.length) {
            return false;
        }
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (bytes[i] != SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    /** Throws {@link ImageDecoder.UnusableImageException} (UNREADABLE) naming the first chunk that is not whole. */
    static void verify(byte[] png) {
        CRC32 crc = new CRC32();
        int offset = SIGNATURE.length;
        while (true) {
            if (png.length - offset < 12) {
                throw damaged("the PNG ends before its last chunk (IEND): truncated");
            }
            long length = readInt(png, offset) & 0xFFFFFFFFL;
            int type = readInt(png, offset + 4);
            if (length > png.length - offset - 12L) {
                throw damaged("the PNG's %s chunk runs past the end of the data: truncated".formatted(name(type)));
            }
            crc.reset();
            crc.update(png, offset + 4, 4 + (int) length);
            int end = offset + 8 + (int) length;
            if ((int) crc.getValue() != readInt(png, end)) {
                throw damaged("the PNG's %s chunk fails its CRC check: corrupt".formatted(name(type)));
            }
            if (type == IEND) {
                return;
            }
            offset = end + 4;
        }
    }

    private static int readInt(byte[] bytes, int offset) {
        return ((bytes[offset] & 0xFF) << 24) | ((bytes[offset + 1] & 0xFF) << 16) | ((bytes[offset + 2] & 0xFF) << 8)
                | (bytes[offset + 3] & 0xFF);
    }

    /** Four ASCII letters in a valid file; anything else is shown as hex rather than echoed. */
    private static String name(int type) {
        StringBuilder name = new StringBuilder(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            int c = (type >>> shift) & 0xFF;
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
                return "0x%08X".formatted(type);
            }
            name.append((char) c);
        }
        return name.toString();
    }

    private static ImageDecoder.UnusableImageException damaged(String message) {
        return new ImageDecoder.UnusableImageException(ImageDecoder.UnusableImageException.Reason.UNREADABLE, message);
    }
}
