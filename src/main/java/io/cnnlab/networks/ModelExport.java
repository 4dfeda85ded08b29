package io.cnnlab.networks;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A stored model file as a download: {@code metadata.json} ({@link ModelMetadata}), then the network's configuration
 * and coefficients in the stored file's order. The updater state stays behind: serving and fine-tuning need only the
 * weights, and Adam's moments would double the download.
 *
 * <p>The bytes depend on nothing but the stored file and the metadata, so one version is one zip, with one sha256 (its
 * ETag), on every instance: entries are stored uncompressed (deflate's output differs between zlib builds; the
 * coefficients hardly compress anyway), with a fixed timestamp in DOS local time (no extended timestamp, so the time
 * zone plays no part), no comment and no extra fields. A stored entry declares its size and CRC-32 before its bytes,
 * so {@link #measure} reads the stored file once for those and once for the digest; each {@link #writeTo} reads it
 * once more, streaming, never holding the network in memory.
 */
public final class ModelExport {

    /** Opens the stored file; called once per pass (the store checks its sha256 on every open). */
    @FunctionalInterface
    public interface Source {
        InputStream open() throws IOException;
    }

    private static final List<String> NETWORK_ENTRIES = List.of(ModelArchive.CONFIGURATION, ModelArchive.COEFFICIENTS);
    private static final LocalDateTime TIMESTAMP = LocalDateTime.of(1980, 2, 1, 0, 0);

    private record Entry(String name, long size, long crc) {
    }

    private final byte[] metadata;
    private final List<Entry> network;
    private final String sha256;
    private final long size;

    private ModelExport(byte[] metadata, List<Entry> network, String sha256, long size) {
        this.metadata = metadata;
        this.network = network;
        this.sha256 = sha256;
        this.size = size;
    }

    /** Measures the download of {@code stored} with {@code metadata}: its entries, its length and its sha256. */
    public static ModelExport measure(Source stored, byte[] metadata) throws IOException {
        List<Entry> network = new ArrayList<>();
        try (ZipInputStream zip = new ZipInputStream(stored.open())) {
            ZipEntry entry;
            byte[] buffer = new byte[1 << 16];
            while ((entry = zip.getNextEntry()) != null) {
                String name = entry.getName();
                if (!NETWORK_ENTRIES.contains(name) || network.stream().anyMatch(e -> e.name().equals(name))) {
                    continue;
                }
                CRC32 crc = new CRC32();
                long length = 0;
                int n;
                while ((n = zip.read(buffer)) > 0) {
                    crc.update(buffer, 0, n);
                    length += n;
                }
                network.add(new Entry(name, length, crc.getValue()));
            }
        }
        if (network.size() != NETWORK_ENTRIES.size()) {
            throw new UnreadableModelException("the stored model file lacks " + String.join(" or ", NETWORK_ENTRIES));
        }
        ModelExport unmeasured = new ModelExport(metadata, List.copyOf(network), null, -1);
        MessageDigest digest = newDigest();
        Counting counted = new Counting(new DigestOutputStream(OutputStream.nullOutputStream(), digest));
        unmeasured.writeTo(stored, counted);
        return new ModelExport(metadata, unmeasured.network, HexFormat.of().formatHex(digest.digest()), counted.count);
    }

    /** Hex sha256 of the bytes {@link #writeTo} writes. */
    public String sha256() {
        return sha256;
    }

    /** Length of the bytes {@link #writeTo} writes. */
    public long size() {
        return size;
    }

    /** Writes the zip to {@code out}, which stays open. */
    public void writeTo(Source stored, OutputStream out) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush(); // the caller's stream: finished, not closed
            }
        })) {
            CRC32 crc = new CRC32();
            crc.update(metadata);
            zip.putNextEntry(entry(ModelMetadata.ENTRY, metadata.length, crc.getValue()));
            zip.write(metadata);
            zip.closeEntry();
            try (ZipInputStream in = new ZipInputStream(stored.open())) {
                int next = 0;
                ZipEntry entry;
                while (next < network.size() && (entry = in.getNextEntry()) != null) {
                    Entry wanted = network.get(next);
                    if (!entry.getName().equals(wanted.name())) {
                        continue;
                    }
                    // the CRC-32 and size declared up front are checked as the bytes go by (ZipException if not)
                    zip.putNextEntry(entry(wanted.name(), wanted.size(), wanted.crc()));
                    in.transferTo(zip);
                    zip.closeEntry();
                    next++;
                }
                if (next < network.size()) {
                    throw new UnreadableModelException("the stored model file changed: " + network.get(next).name() + " is gone");
                }
            }
        }
    }

    private static ZipEntry entry(String name, long size, long crc) {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(size);
        entry.setCompressedSize(size);
        entry.setCrc(crc);
        entry.setTimeLocal(TIMESTAMP);
        return entry;
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static final class Counting extends FilterOutputStream {

        private long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
