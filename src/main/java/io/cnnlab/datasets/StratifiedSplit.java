package io.cnnlab.datasets;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The service's test split when an archive brings none: per class, a seeded shuffle and the first
 * {@code round(n * testFraction)} images for testing, at least one image of each class left for training. The images
 * come sorted by name, so the same files split the same way whatever order the archive held them in.
 */
final class StratifiedSplit {

    private StratifiedSplit() {
    }

    /**
     * @param labels each image's label, images sorted by name
     * @return for each image, whether it is in the test split
     */
    static boolean[] testMembers(int[] labels, int classes, double testFraction, long seed) {
        List<List<Integer>> byClass = new ArrayList<>(classes);
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < labels.length; i++) {
            byClass.get(labels[i]).add(i);
        }
        Random random = new Random(seed);
        boolean[] test = new boolean[labels.length];
        for (List<Integer> members : byClass) {
            Collections.shuffle(members, random);
            int n = members.size();
            int toTest = Math.min((int) Math.round(n * testFraction), Math.max(0, n - 1));
            for (int k = 0; k < toTest; k++) {
                test[members.get(k)] = true;
            }
        }
        return test;
    }
}
