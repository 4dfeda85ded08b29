package io.cnnlab.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Reads a server-side folder into an {@link EntrySink}, following links only as far as they stay under the root the
 * folder was registered under: a file or folder whose real path leads out refuses the whole registration.
 */
final class FolderReader {

    private final DatasetProperties limits;

    FolderReader(DatasetProperties limits) {
        this.limits = limits;
    }

    /** @param folder the folder's real path; {@code root} the real path of the configured root it is under */
    void read(Path folder, Path root, EntrySink sink) throws IOException {
        int[] count = {0};
        Files.walkFileTree(folder, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                counted();
                inside(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                counted();
                String name = folder.relativize(file).toString().replace('\\', '/');
                if (!attrs.isRegularFile()) {
                    sink.reject(name, attrs.isSymbolicLink() ? "a link that leads nowhere" : "not a regular file");
                    return FileVisitResult.CONTINUE;
                }
                Path real = inside(file);
                List<String> segments = new ArrayList<>();
                folder.relativize(file).forEach(p -> segments.add(p.toString()));
                try (InputStream in = Files.newInputStream(real)) {
                    sink.file(name, List.copyOf(segments), attrs.size(), in);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                sink.reject(folder.relativize(file).toString(), e instanceof FileSystemLoopException
                        ? "a link that loops back to a folder above it" : "cannot be read: " + e.getMessage());
                return FileVisitResult.CONTINUE;
            }

            private void counted() {
                if (++count[0] > limits.maxEntries()) {
                    throw new DatasetRefusedException(DatasetRefusedException.Reason.TOO_LARGE,
                            "the folder holds more than %,d files and folders (cnn.datasets.max-entries); nothing was imported"
                                    .formatted(limits.maxEntries()));
                }
            }

            private Path inside(Path path) throws IOException {
                Path real = path.toRealPath();
                if (!real.startsWith(root)) {
                    throw new DatasetRefusedException(DatasetRefusedException.Reason.OUTSIDE_ROOTS,
                            "'%s' is a link that leads outside the configured roots (cnn.datasets.roots); nothing was imported"
                                    .formatted(EntryPaths.printable(folder.relativize(path).toString())));
                }
                return real;
            }
        });
    }
}
