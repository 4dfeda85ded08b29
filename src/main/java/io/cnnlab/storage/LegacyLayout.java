package io.cnnlab.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.FileSystemUtils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Before the storage had a root of its own, checkpoint and model files lived in {@code cnn.home/checkpoints} and
 * {@code cnn.home/models}, with the same relative paths the keys have now. At start-up whatever is still there
 * moves into the store, once: a directory rename when the store is a directory on the same disk, else file by file
 * (each removed only after it was stored whole). An instance stopped half-way finishes the move at its next start.
 */
final class LegacyLayout {

    private static final Logger log = LoggerFactory.getLogger(LegacyLayout.class);
    static final List<String> DIRECTORIES = List.of("checkpoints", "models");

    private LegacyLayout() {
    }

    static void moveInto(BlobStore store, Path home) {
        for (String name : DIRECTORIES) {
            Path legacy = home.resolve(name).toAbsolutePath().normalize();
            if (!Files.isDirectory(legacy)) {
                continue;
            }
            if (store instanceof FileSystemBlobStore files) {
                Path target = files.root().resolve(name);
                if (target.equals(legacy)) {
                    continue; // cnn.storage.root is cnn.home: the files are where they belong
                }
                if (rename(legacy, target)) {
                    log.info("moved {} to {} (the storage root)", legacy, target);
                    continue;
                }
            }
            int moved = copyFileByFile(store, home.toAbsolutePath().normalize(), legacy);
            log.info("moved {} files from {} into {}", moved, legacy, store.describe());
        }
    }

    private static boolean rename(Path legacy, Path target) {
        if (Files.exists(target)) {
            return false;
        }
        try {
            Files.createDirectories(target.getParent());
            Files.move(legacy, target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (AtomicMoveNotSupportedException e) {
            return false; // another disk: file by file
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + legacy + " to " + target + ": " + e.getMessage(), e);
        }
    }

    private static int copyFileByFile(BlobStore store, Path home, Path legacy) {
        int moved = 0;
        try (Stream<Path> walk = Files.walk(legacy)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                String key = home.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                if (file.getFileName().toString().startsWith(".")) {
                    Files.delete(file); // the temporary file of a write that never finished
                    continue;
                }
                store.put(key, out -> Files.copy(file, out));
                Files.delete(file);
                moved++;
            }
            FileSystemUtils.deleteRecursively(legacy);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + legacy + " into " + store.describe() + ": " + e.getMessage(), e);
        }
        return moved;
    }
}
