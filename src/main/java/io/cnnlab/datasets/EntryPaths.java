package io.cnnlab.datasets;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The path of an archive entry as folder names and a file name, after refusing any that could climb out of the data
 * set: a {@code ..} segment, an absolute path, a drive letter, a NUL. Nothing is ever extracted under these names
 * (every image is decoded from memory and stored in the service's own records), so this guards the names a data set
 * reports and keeps a hostile archive from being taken for a sloppy one.
 */
final class EntryPaths {

    private static final Set<String> ARCHIVE_SUFFIXES = Set.of(".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z",
            ".rar", ".zst", ".jar");

    private EntryPaths() {
    }

    /** The segments of {@code name} ({@code /} or {@code \} separated; empty and {@code .} segments dropped). */
    static List<String> segments(String name) {
        if (name.isEmpty() || name.indexOf('\0') >= 0) {
            throw unsafe(name, "an empty name or a NUL character");
        }
        if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
            throw unsafe(name, "an absolute path");
        }
        List<String> segments = new ArrayList<>();
        for (String segment : name.split("[/\\\\]")) {
            if (segment.equals("..")) {
                throw unsafe(name, "a '..' segment that climbs out of the archive");
            }
            if (!segment.isEmpty() && !segment.equals(".")) {
                segments.add(segment);
            }
        }
        if (segments.isEmpty()) {
            throw unsafe(name, "no name left once '.' segments are dropped");
        }
        return List.copyOf(segments);
    }

    /** Hidden files and folders ({@code .DS_Store}, {@code ._x}) and macOS's {@code __MACOSX} copies. */
    static boolean hidden(List<String> segments) {
        return segments.stream().anyMatch(s -> s.startsWith(".") || s.equals("__MACOSX"));
    }

    /** An archive inside the archive, by its name or its first bytes; such entries are not opened. */
    static boolean nestedArchive(String fileName, byte[] head) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        int dot = lower.lastIndexOf('.');
        if (dot >= 0 && ARCHIVE_SUFFIXES.contains(lower.substring(dot))) {
            return true;
        }
        return ArchiveFormat.of(head, head.length) != null;
    }

    static DatasetRefusedException unsafe(String name, String why) {
        return new DatasetRefusedException(DatasetRefusedException.Reason.UNSAFE_ENTRY,
                "the archive entry '%s' is refused: %s; nothing was imported".formatted(printable(name), why));
    }

    /** A name as it may be echoed: control characters replaced, at most 200 characters. */
    static String printable(String name) {
        String clean = name.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= 200 ? clean : clean.substring(0, 200) + "...";
    }
}
