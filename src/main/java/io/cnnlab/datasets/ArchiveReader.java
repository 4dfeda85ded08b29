package io.cnnlab.datasets;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.UnsupportedZipFeatureException;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * Reads an uploaded archive (already on disk) entry by entry into an {@link EntrySink}, keeping the limits of
 * {@link DatasetProperties}: the entry count (a zip's from its central directory, before any entry is read), the
 * bytes all entries unpack to ({@link ByteBudget}), and the entry names ({@link EntryPaths}). Links are refused: tar
 * symbolic and hard links, and zip entries whose Unix mode marks a symbolic link. The format is told by the first
 * bytes; a zip is read through its central directory, a tar.gz as a stream.
 */
final class ArchiveReader {

    private final DatasetProperties limits;

    ArchiveReader(DatasetProperties limits) {
        this.limits = limits;
    }

    void read(Path archive, EntrySink sink) {
        ArchiveFormat format;
        try (InputStream in = Files.newInputStream(archive)) {
            byte[] head = in.readNBytes(4);
            format = ArchiveFormat.of(head, head.length);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (format == null) {
            throw notAnArchive("the upload is neither a zip nor a tar.gz archive (told by its first bytes)");
        }
        try {
            if (format == ArchiveFormat.ZIP) {
                readZip(archive, sink);
            } else {
                readTarGz(archive, sink);
            }
        } catch (IOException e) {
            throw new DatasetRefusedException(DatasetRefusedException.Reason.DAMAGED_ARCHIVE,
                    "the %s archive cannot be read to the end (%s); nothing was imported"
                            .formatted(format == ArchiveFormat.ZIP ? "zip" : "tar.gz", EntryPaths.printable(String.valueOf(e.getMessage()))));
        }
    }

    private void readZip(Path archive, EntrySink sink) throws IOException {
        long declared = ZipDirectory.declaredEntries(archive);
        if (declared > limits.maxEntries()) {
            checkCount(declared);
        }
        try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
            List<ZipArchiveEntry> entries = Collections.list(zip.getEntriesInPhysicalOrder());
            checkCount(entries.size());
            ByteBudget budget = budget();
            for (ZipArchiveEntry entry : entries) {
                List<String> segments = EntryPaths.segments(entry.getName());
                if (entry.isUnixSymlink()) {
                    throw EntryPaths.unsafe(entry.getName(), "a symbolic link");
                }
                if (entry.isDirectory()) {
                    continue;
                }
                if (!zip.canReadEntryData(entry)) {
                    sink.reject(entry.getName(), "encrypted or compressed with a method this service does not read");
                    continue;
                }
                try (InputStream content = budget.counting(zip.getInputStream(entry))) {
                    sink.file(entry.getName(), segments, entry.getSize(), content);
                } catch (UnsupportedZipFeatureException e) {
                    sink.reject(entry.getName(), "uses a zip feature this service does not read: " + e.getMessage());
                }
            }
        }
    }

    private void readTarGz(Path archive, EntrySink sink) throws IOException {
        try (InputStream file = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
             InputStream gzip = new GzipCompressorInputStream(file, true)) {
            BufferedInputStream unpacked = new BufferedInputStream(budget().counting(gzip), 1 << 16);
            unpacked.mark(512);
            byte[] header = unpacked.readNBytes(512);
            unpacked.reset();
            if (!TarArchiveInputStream.matches(header, header.length) && !emptyTar(header)) {
                throw notAnArchive("the upload is gzip-compressed but holds no tar archive (a .tar.gz is expected)");
            }
            TarArchiveInputStream tar = new TarArchiveInputStream(unpacked);
            int count = 0;
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                checkCount(++count);
                List<String> segments = EntryPaths.segments(entry.getName());
                if (entry.isSymbolicLink()) {
                    throw EntryPaths.unsafe(entry.getName(), "a symbolic link (to '%s')".formatted(EntryPaths.printable(entry.getLinkName())));
                }
                if (entry.isLink()) {
                    throw EntryPaths.unsafe(entry.getName(), "a hard link (to '%s')".formatted(EntryPaths.printable(entry.getLinkName())));
                }
                if (entry.isDirectory()) {
                    continue;
                }
                if (!entry.isFile()) {
                    sink.reject(entry.getName(), "not a regular file (a device, a pipe or another special entry)");
                    continue;
                }
                sink.file(entry.getName(), segments, entry.getSize(), new FilterInputStream(tar) {
                    @Override
                    public void close() {
                        // the tar stream goes on to the next entry
                    }
                });
            }
        }
    }

    /** A tar with no entries is two zero blocks; it is an archive, only an empty one. */
    private static boolean emptyTar(byte[] header) {
        if (header.length == 0) {
            return false;
        }
        for (byte b : header) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private ByteBudget budget() {
        return new ByteBudget(limits.maxUncompressedBytes().toBytes(), "cnn.datasets.max-uncompressed-bytes");
    }

    private void checkCount(long count) {
        if (count > limits.maxEntries()) {
            throw new DatasetRefusedException(DatasetRefusedException.Reason.TOO_LARGE,
                    "the archive holds more than %,d entries (cnn.datasets.max-entries); nothing was imported"
                            .formatted(limits.maxEntries()));
        }
    }

    private static DatasetRefusedException notAnArchive(String message) {
        return new DatasetRefusedException(DatasetRefusedException.Reason.NOT_AN_ARCHIVE,
                message + "; send a zip (application/zip) or a tar.gz (application/gzip) of <class>/<image> folders");
    }
}
