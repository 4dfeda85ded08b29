package io.cnnlab.datasets;

/** What an upload is, by its first bytes (the Content-Type a client sends is not trusted for this). */
enum ArchiveFormat {
    ZIP, GZIP;

    /** {@code null} when the bytes start neither a zip (local header or empty archive) nor a gzip stream. */
    static ArchiveFormat of(byte[] head, int length) {
        if (length >= 4 && head[0] == 'P' && head[1] == 'K'
                && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))) {
            return ZIP;
        }
        if (length >= 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B) {
            return GZIP;
        }
        return null;
    }
}
