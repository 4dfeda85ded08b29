package io.cnnlab.datasets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What a zip's end of central directory declares, read before the zip reader builds an object per directory entry:
 * an archive claiming millions of entries is refused without that cost.
 */
final class ZipDirectory {

    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int EOCD_BYTES = 22;
    private static final int MAX_COMMENT = 0xFFFF;

    private ZipDirectory() {
    }

    /** Entries the archive declares, -1 when no end record is found (the zip reader then reports the damage). */
    static long declaredEntries(Path zip) throws IOException {
        try (FileChannel channel = FileChannel.open(zip, StandardOpenOption.READ)) {
            long size = channel.size();
            int tail = (int) Math.min(size, EOCD_BYTES + MAX_COMMENT);
            ByteBuffer buffer = ByteBuffer.allocate(tail).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(buffer, size - tail);
            for (int at = tail - EOCD_BYTES; at >= 0; at--) {
                if (buffer.getInt(at) != EOCD) {
                    continue;
                }
                long entries = Short.toUnsignedInt(buffer.getShort(at + 10));
                if (entries != 0xFFFF || at < 20 || buffer.getInt(at - 20) != ZIP64_LOCATOR) {
                    return entries;
                }
                long zip64 = buffer.getLong(at - 20 + 8);
                if (zip64 < 0 || zip64 > size - 56) {
                    return Long.MAX_VALUE;
                }
                ByteBuffer record = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
                channel.read(record, zip64);
                return record.getInt(0) == ZIP64_EOCD ? record.getLong(32) : entries;
            }
            return -1;
        }
    }
}
