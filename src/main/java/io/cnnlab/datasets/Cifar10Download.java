package io.cnnlab.datasets;

import io.cnnlab.files.DurableFiles;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Fetches the official {@code cifar-10-binary.tar.gz}, checks its MD5 and unpacks the batch files into a directory.
 *
 * <p>The archive is written to a {@code .part} file; an interrupted download resumes from where it stopped (HTTP
 * range request) or starts over when the server will not resume. Nothing is unpacked before the whole archive matches
 * its checksum, and every unpacked file is written durably ({@link DurableFiles}), so a half-written set is never
 * mistaken for a whole.
 *
 * <p>A failure names its cause (unknown host, unreachable, timeout, HTTP status, truncated transfer, checksum) and
 * how to run without the network: {@code cnn.data-dir} pointed at an existing copy. A first run is often offline.
 */
final class Cifar10Download {

    static final String ARCHIVE = "cifar-10-binary.tar.gz";
    static final String OFFLINE_HINT = "To run without downloading, set cnn.data-dir to a directory holding an existing "
            + "copy of the CIFAR-10 binary set (data_batch_1.bin .. data_batch_5.bin and test_batch.bin, as in "
            + "cifar-10-batches-bin), or cnn.dataset.url to a reachable mirror.";

    private final URI uri;
    private final String md5;
    private final Duration connectTimeout;
    private final Duration readTimeout;

    public Cifar10Download(URI uri, String md5) {
        this(uri, md5, Duration.ofSeconds(20), Duration.ofSeconds(60));
    }

    /** @param readTimeout longest silence of the server, before its answer or within the body */
    public Cifar10Download(URI uri, String md5, Duration connectTimeout, Duration readTimeout) {
        this.uri = uri;
        this.md5 = md5.toLowerCase();
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
    }

    /** Downloads (or resumes), verifies and unpacks into {@code dir}; the archive is deleted afterwards. */
    public void into(Path dir) {
        Path part = dir.resolve(ARCHIVE + ".part");
        try {
            Files.createDirectories(dir);
            fetch(part);
        } catch (IOException e) {
            throw failure(dir, describe(e, part));
        }
        try {
            String actual = md5Of(part);
            if (!actual.equals(md5)) {
                Files.deleteIfExists(part);
                throw failure(dir, ("the archive's MD5 is %s, expected %s (not the CIFAR-10 binary archive, or damaged on "
                        + "the way); the file was deleted").formatted(actual, md5));
            }
            unpack(part, dir);
            Files.deleteIfExists(part);
        } catch (EOFException | ZipException e) {
            throw failure(dir, "the archive is truncated or not a tar.gz although its MD5 matched (" + e.getMessage()
                    + "); check cnn.dataset.md5");
        } catch (IOException e) {
            throw failure(dir, "cannot unpack into %s: %s".formatted(dir.toAbsolutePath(), text(e)));
        }
    }

    private DatasetUnavailableException failure(Path dir, String cause) {
        return new DatasetUnavailableException("cannot download CIFAR-10 from %s into %s: %s. %s"
                .formatted(uri, dir.toAbsolutePath(), cause, OFFLINE_HINT));
    }

    private String describe(IOException e, Path part) {
        String host = uri.getHost();
        String kept = partialNote(part);
        if (e instanceof UnknownHostException) {
            return "host " + host + " cannot be resolved (no network or no DNS)";
        }
        if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
            return "%s is unreachable (%s)".formatted(authority(), text(e));
        }
        if (e instanceof ConnectTimeout) {
            return "no connection to %s within %s".formatted(authority(), seconds(connectTimeout));
        }
        if (e instanceof SocketTimeoutException) {
            return "the server sent nothing for %s%s".formatted(seconds(readTimeout), kept);
        }
        if (e instanceof InterruptedIOException) {
            return "interrupted" + kept;
        }
        return text(e) + kept;
    }

    private String partialNote(Path part) {
        try {
            long have = Files.exists(part) ? Files.size(part) : 0;
            return have > 0 ? " (%,d bytes kept; the download resumes on the next attempt)".formatted(have) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private String authority() {
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return uri.getHost() + ":" + port;
    }

    /** An exception's own words, its type when it has none (never "null"). */
    private static String text(IOException e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return e.getClass() == IOException.class ? message : e.getClass().getSimpleName() + ": " + message;
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() / 1000.0 + " s";
    }

    private void fetch(Path part) throws IOException {
        long have = Files.exists(part) ? Files.size(part) : 0;
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        try {
            connection.setConnectTimeout((int) connectTimeout.toMillis());
            connection.setReadTimeout((int) readTimeout.toMillis());
            connection.setInstanceFollowRedirects(true);
            if (have > 0) {
                connection.setRequestProperty("Range", "bytes=" + have + "-");
            }
            try {
                connection.connect();
            } catch (SocketTimeoutException e) {
                throw new ConnectTimeout(e);
            }
            int status = connection.getResponseCode();
            if (status == 416 && have > 0) {
                return; // already complete; the checksum decides
            }
            if (status != 200 && status != 206) {
                throw new IOException("the server answered HTTP " + status
                        + (connection.getResponseMessage() == null ? "" : " " + connection.getResponseMessage()));
            }
            boolean append = status == 206 && have > 0;
            long expected = connection.getContentLengthLong();
            long received = 0;
            try (InputStream in = connection.getInputStream();
                 FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                         append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream file = Channels.newOutputStream(out);
                byte[] buffer = new byte[1 << 16];
                try {
                    for (int n; (n = in.read(buffer)) >= 0; ) {
                        file.write(buffer, 0, n);
                        received += n;
                        if (Thread.currentThread().isInterrupted()) {
                            throw new InterruptedIOException("interrupted");
                        }
                    }
                } catch (InterruptedIOException e) {
                    throw e; // a read timeout or an interrupt: described as such
                } catch (IOException e) {
                    if (expected >= 0 && received < expected) {
                        throw new IOException(closedEarly(received, expected), e);
                    }
                    throw e;
                } finally {
                    out.force(true);
                }
            }
            if (expected >= 0 && received < expected) {
                throw new IOException(closedEarly(received, expected));
            }
        } finally {
            connection.disconnect();
        }
    }

    private static String closedEarly(long received, long expected) {
        return "the connection closed after %,d of %,d bytes".formatted(received, expected);
    }

    /** A timeout while connecting, told apart from one while waiting for data. */
    private static final class ConnectTimeout extends IOException {
        ConnectTimeout(SocketTimeoutException cause) {
            super(cause.getMessage(), cause);
        }
    }

    static String md5Of(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("MD5"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Extracts the regular files of the archive's {@code cifar-10-batches-bin/} folder (a plain ustar reader). */
    private static void unpack(Path archive, Path dir) throws IOException {
        Set<String> wanted = new HashSet<>(Cifar10.TRAIN_FILES);
        wanted.add(Cifar10.TEST_FILE);
        wanted.add(Cifar10.META_FILE);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(archive), 1 << 16)) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = field(header, 345, 155).isEmpty()
                        ? field(header, 0, 100) : field(header, 345, 155) + "/" + field(header, 0, 100);
                long size = Long.parseLong(field(header, 124, 12).trim(), 8);
                byte type = header[156];
                String fileName = name.substring(name.lastIndexOf('/') + 1);
                boolean regular = type == '0' || type == 0;
                if (regular && wanted.contains(fileName)) {
                    DurableFiles.write(dir.resolve(fileName), out -> copy(in, out, size));
                } else {
                    in.skipNBytes(size);
                }
                long padding = (512 - size % 512) % 512;
                in.skipNBytes(padding);
            }
        }
    }

    private static void copy(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new EOFException("archive truncated");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
