package io.cnnlab.storage;

import io.cnnlab.files.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Objects as files under {@code cnn.storage.root}, a key being the relative path. Written durably
 * ({@link DurableFiles}: temporary file, fsync, atomic rename), so on a shared volume another instance sees the old
 * file or the whole new one. Directories left empty by a delete are removed up to the root.
 */
class FileSystemBlobStore implements BlobStore {

    private static final Logger log = LoggerFactory.getLogger(FileSystemBlobStore.class);

    private final Path root;

    FileSystemBlobStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public DurableFiles.Written put(String key, DurableFiles.Content content) {
        try {
            return DurableFiles.write(file(key), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }

    @Override
    public InputStream open(String key, String expectedSha256) {
        Path file = file(key);
        try {
            // hashed before a single byte is handed out: a reader (DL4J's zip reader) may stop before the end
            String actual = DurableFiles.sha256(file);
            if (!actual.equals(expectedSha256)) {
                throw new CorruptBlobException("file %s has sha256 %s, recorded %s: it is corrupt"
                        .formatted(file, actual, expectedSha256));
            }
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new CorruptBlobException("file " + file + " is missing");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(String key) {
        Path file = file(key);
        try {
            Files.deleteIfExists(file);
            for (Path dir = file.getParent(); dir != null && !dir.equals(root) && dir.startsWith(root); dir = dir.getParent()) {
                Files.deleteIfExists(dir);
            }
        } catch (DirectoryNotEmptyException e) {
            // another object still lives there: the directory stays
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", file, e.getMessage());
        }
    }

    @Override
    public List<String> list(String prefix) {
        BlobKeys.checkPrefix(prefix);
        // walk only the deepest directory the prefix names, not the whole root
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        if (!Files.isDirectory(start)) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        try (Stream<Path> files = Files.walk(start)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                String key = root.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/");
                if (key.startsWith(prefix) && isKey(key)) {
                    keys.add(key);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new UncheckedIOException("cannot list " + start + ": " + e.getMessage(),
                    e instanceof IOException io ? io : ((UncheckedIOException) e).getCause());
        }
        return keys;
    }

    Path root() {
        return root;
    }

    @Override
    public String describe() {
        return "directory " + root;
    }

    private static boolean isKey(String key) {
        try {
            BlobKeys.check(key);
            return true;
        } catch (IllegalArgumentException e) {
            return false; // a temporary file of a write in progress, or something that is not ours
        }
    }

    private Path file(String key) {
        return root.resolve(BlobKeys.check(key));
    }
}
