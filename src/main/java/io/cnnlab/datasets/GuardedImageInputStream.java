package io.cnnlab.datasets;

import javax.imageio.stream.ImageInputStreamImpl;

/**
 * An in-memory image stream that stops decoders which never stop. Some readers (seen: TwelveMonkeys' WebP VP8L
 * bit reader on a damaged header) keep reading at the end of the data forever; ImageIO has no timeout. Every read
 * here counts: reads past the end beyond a small allowance, or any read after the deadline, throw an unchecked
 * {@link ImageDecoder.UnusableImageException}, which a reader's own {@code catch (IOException)} cannot swallow.
 * It also keeps the bytes in memory, where ImageIO's default stream for a plain InputStream may cache to a file.
 */
final class GuardedImageInputStream extends ImageInputStreamImpl {

    /** Bit readers legitimately look a few words past the end; a decoder that needs more is stuck. */
    private static final int READS_PAST_END_ALLOWED = 4096;

    private final byte[] data;
    private final long deadlineNanos;
    private int readsPastEnd;
    private int singleReads;

    GuardedImageInputStream(byte[] data, long budgetNanos) {
        this.data = data;
        this.deadlineNanos = System.nanoTime() + budgetNanos;
    }

    @Override
    public int read() {
        // some decoders read byte by byte: look at the clock once per 4,096 bytes, not on every one
        if ((++singleReads & 0xFFF) == 0) {
            checkProgress();
        }
        if (streamPos >= data.length) {
            pastEnd();
            return -1;
        }
        bitOffset = 0;
        return data[(int) streamPos++] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
        checkProgress();
        if (length == 0) {
            return 0;
        }
        if (streamPos >= data.length) {
            pastEnd();
            return -1;
        }
        bitOffset = 0;
        int n = (int) Math.min(length, data.length - streamPos);
        System.arraycopy(data, (int) streamPos, buffer, offset, n);
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        return data.length;
    }

    /**
     * Nothing to release (the bytes are on the heap). Declared empty so the JVM does not register every instance for
     * finalization, as it does for {@link ImageInputStreamImpl}'s own {@code finalize}: a finalizable stream, and the
     * encoded image it holds, survives the next young collection, one per classified image, which lengthens
     * every pause under load (docs/performance.md, "Serving").
     */
    @Override
    @SuppressWarnings({"deprecation", "removal"})
    protected void finalize() {
    }

    private void checkProgress() {
        if (System.nanoTime() > deadlineNanos) {
            throw new ImageDecoder.UnusableImageException(ImageDecoder.UnusableImageException.Reason.UNREADABLE,
                    "the image took too long to decode (corrupt?)");
        }
    }

    private void pastEnd() {
        if (++readsPastEnd > READS_PAST_END_ALLOWED) {
            throw new ImageDecoder.UnusableImageException(ImageDecoder.UnusableImageException.Reason.UNREADABLE,
                    "the image data ends before the image does (truncated or corrupt)");
        }
    }
}
