package io.cnnlab.datasets;

import io.cnnlab.files.DurableFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Fetches the official {@code cifar-10-binary.tar.gz}, checks its MD5 and unpacks the batch files into a directory.
 *
 * <p>The archive is written to a {@code .part} file; an interrupted download resumes from where it stopped (HTTP
 * range request) or starts over when the server will not resume. Nothing is unpacked before the whole archive matches
 * its checksum, and every unpacked file is written durably ({@link DurableFiles}), so a half-written set is never
 * mistaken for a whole.
 */
public final class Cifar10Download {

    public static final URI OFFICIAL = URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");
    public static final String OFFICIAL_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
    static final String ARCHIVE = "cifar-10-binary.tar.gz";

    private final HttpClient client;
    private final URI uri;
    private final String md5;

    public Cifar10Download(URI uri, String md5) {
        this.client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        this.uri = uri;
        this.md5 = md5.toLowerCase();
    }

    public static Cifar10Download official() {
        return new Cifar10Download(OFFICIAL, OFFICIAL_MD5);
    }

    /** Downloads (or resumes), verifies and unpacks into {@code dir}; the archive is deleted afterwards. */
    public void into(Path dir) {
        try {
            Files.createDirectories(dir);
            Path part = dir.resolve(ARCHIVE + ".part");
            fetch(part);
            String actual = md5Of(part);
            if (!actual.equals(md5)) {
                Files.deleteIfExists(part);
                throw new DatasetUnavailableException("downloaded %s has MD5 %s, expected %s; the partial file was deleted, try again"
                        .formatted(uri, actual, md5));
            }
            unpack(part, dir);
            Files.deleteIfExists(part);
        } catch (IOException e) {
            throw new DatasetUnavailableException("cannot download CIFAR-10 from %s into %s: %s (the download resumes on the next attempt)"
                    .formatted(uri, dir, e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatasetUnavailableException("CIFAR-10 download interrupted; it resumes on the next attempt", e);
        }
    }

    private void fetch(Path part) throws IOException, InterruptedException {
        long have = Files.exists(part) ? Files.size(part) : 0;
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(30)).GET();
        if (have > 0) {
            request.header("Range", "bytes=" + have + "-");
        }
        HttpResponse<InputStream> response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        int status = response.statusCode();
        boolean append = status == 206 && have > 0;
        if (status == 416 && have > 0) {
            response.body().close();
            return; // already complete; the checksum decides
        }
        if (status != 200 && status != 206) {
            response.body().close();
            throw new IOException("HTTP " + status);
        }
        try (InputStream in = response.body();
             FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            in.transferTo(java.nio.channels.Channels.newOutputStream(out));
            out.force(true);
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
                throw new IOException("archive truncated");
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
