package io.cnnlab.datasets;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where each image of an archive or folder belongs, from its folders: {@code <class>/<image>}, or
 * {@code train/<class>/<image>} and {@code test/<class>/<image>} when the archive brings its own split. Folders every
 * image shares above that (the archive of a folder {@code shapes/} holds {@code shapes/circle/a.png}) are dropped
 * first, as long as every image is at least two folders deep. An image elsewhere (at the top, deeper than a class
 * folder, beside {@code train/} and {@code test/}) is rejected with the reason.
 */
final class DatasetLayout {

    static final String TRAIN = "train";
    static final String TEST = "test";

    /** An image's place: its split ({@code null} when the service splits) and class, or why it has none. */
    record Placement(String split, String className, String rejection) {

        boolean placed() {
            return rejection == null;
        }
    }

    /** The placements, in the order of {@code folders} (each image's folders, its file name left out). */
    record Result(List<Placement> placements, boolean archiveSplit) {
    }

    private DatasetLayout() {
    }

    static Result place(List<List<String>> folders) {
        int skip = sharedWrapperDepth(folders);
        boolean split = folders.stream().anyMatch(f -> f.size() > skip && isSplit(f.get(skip)));
        List<Placement> placements = new ArrayList<>(folders.size());
        for (List<String> all : folders) {
            List<String> own = all.subList(skip, all.size());
            if (split) {
                placements.add(own.size() == 2 && isSplit(own.get(0))
                        ? new Placement(own.get(0).toLowerCase(Locale.ROOT), own.get(1), null)
                        : new Placement(null, null, "not in train/<class>/ or test/<class>/ (the archive has a train/ or test/ folder)"));
            } else if (own.size() == 1) {
                placements.add(new Placement(null, own.get(0), null));
            } else {
                placements.add(new Placement(null, null, own.isEmpty()
                        ? "not in a class folder (<class>/<image> expected)"
                        : "nested deeper than <class>/<image>"));
            }
        }
        return new Result(placements, split);
    }

    /** How many leading folders every image shares, not counting a train/ or test/ folder or an image's class. */
    private static int sharedWrapperDepth(List<List<String>> folders) {
        if (folders.isEmpty()) {
            return 0;
        }
        int depth = 0;
        while (true) {
            String shared = null;
            for (List<String> f : folders) {
                if (f.size() < depth + 2) {
                    return depth;
                }
                String here = f.get(depth);
                if (shared == null) {
                    shared = here;
                } else if (!shared.equals(here)) {
                    return depth;
                }
            }
            if (isSplit(shared)) {
                return depth;
            }
            depth++;
        }
    }

    private static boolean isSplit(String folder) {
        return folder.equalsIgnoreCase(TRAIN) || folder.equalsIgnoreCase(TEST);
    }
}
