package io.cnnlab.datasets;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Bytes an archive may unpack to, all entries together: every decompressed byte read through {@link #counting}
 * is charged, and the one that crosses the limit refuses the archive. A zip bomb is stopped after the limit, not
 * after its claimed or real size.
 */
final class ByteBudget {

    private final long limit;
    private final String setting;
    private long used;

    ByteBudget(long limit, String setting) {
        this.limit = limit;
        this.setting = setting;
    }

    InputStream counting(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    charge(1);
                }
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                if (n > 0) {
                    charge(n);
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                // skipping decompresses all the same: read, so the bytes are charged
                byte[] buffer = new byte[(int) Math.min(8192, Math.max(1, n))];
                long skipped = 0;
                while (skipped < n) {
                    int read = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
                    if (read < 0) {
                        break;
                    }
                    skipped += read;
                }
                return skipped;
            }
        };
    }

    private void charge(int n) {
        used += n;
        if (used > limit) {
            throw new DatasetRefusedException(DatasetRefusedException.Reason.TOO_LARGE,
                    "the archive unpacks to more than %,d bytes (%s); nothing was imported".formatted(limit, setting));
        }
    }
}
