package io.cnnlab.datasets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The folders of users' data sets under {@code cnn.home/datasets}: a set is built in {@code .import-<id>} and appears
 * as {@code <id>} by one atomic rename, so a listed set is always whole; a deleted one is renamed to
 * {@code .deleted-<id>} before its files go. Whatever a crash leaves (import and deleted folders, a finished folder
 * whose row was never written) is swept at start.
 */
final class DatasetFolders {

    private static final Logger log = LoggerFactory.getLogger(DatasetFolders.class);
    private static final String IMPORT = ".import-";
    private static final String DELETED = ".deleted-";

    private final Path root;

    DatasetFolders(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    Path of(String id) {
        return root.resolve(id);
    }

    /** A new, empty import folder. */
    Path startImport(String id) throws IOException {
        Files.createDirectories(root);
        return Files.createDirectory(root.resolve(IMPORT + id));
    }

    /** The built set appears under its id, whole, and stays through a crash. */
    Path publish(Path importFolder, String id) throws IOException {
        Path target = of(id);
        syncDirectory(importFolder);
        Files.move(importFolder, target, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(root);
        return target;
    }

    /** Removes a folder (an unfinished import, a deleted set); what cannot be removed now is swept at start. */
    void remove(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try {
            Path doomed = folder;
            if (!folder.getFileName().toString().startsWith(".")) {
                doomed = root.resolve(DELETED + folder.getFileName());
                Files.move(folder, doomed, StandardCopyOption.ATOMIC_MOVE);
            }
            deleteTree(doomed);
        } catch (IOException | UncheckedIOException e) {
            log.warn("could not remove {} now, it is swept at the next start: {}", folder, e.getMessage());
        }
    }

    /**
     * Removes unfinished imports, half-deleted sets and set folders no row lists, when last changed more than
     * {@code age} ago: a younger one may be another instance's import on the same storage.
     */
    int sweep(Set<String> listed, Duration age, Instant now) {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int swept = 0;
        try (Stream<Path> children = Files.list(root)) {
            for (Path child : children.toList()) {
                String name = child.getFileName().toString();
                boolean leftover = name.startsWith(IMPORT) || name.startsWith(DELETED) || !listed.contains(name);
                if (leftover && Files.getLastModifiedTime(child).toInstant().isBefore(now.minus(age))) {
                    log.info("removing the leftover data set folder {}", child);
                    deleteTree(child);
                    swept++;
                }
            }
        } catch (IOException e) {
            log.warn("could not sweep {}: {}", root, e.getMessage());
        }
        return swept;
    }

    private static void deleteTree(Path top) throws IOException {
        if (!Files.exists(top)) {
            return;
        }
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            log.debug("cannot fsync directory {} (not supported here): {}", dir, e.getMessage());
        }
    }
}
