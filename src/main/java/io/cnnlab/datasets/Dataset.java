package io.cnnlab.datasets;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A data set as the API shows it.
 *
 * @param id            {@code cifar10} for the built-in set, a UUID for users' sets; what a job names
 * @param name          a label for people; not unique
 * @param source        {@code builtin}, {@code upload} or {@code folder}
 * @param classes       the labels, in label order (label {@code i} is {@code classes[i]}); sorted by name
 * @param counts        images per class and split
 * @param images        all images kept, both splits
 * @param split         {@code archive} when the archive brought {@code train/} and {@code test/}, {@code seeded} for
 *                      the service's stratified split, {@code builtin} for CIFAR-10's own
 * @param testFraction  the share asked for in the test split ({@code seeded} only)
 * @param rejected      files that are not in the set and why (at most {@code cnn.datasets.max-rejected-listed})
 * @param rejectedCount every rejected file, listed or not
 * @param sha256        of the uploaded bytes; for a folder, of its sorted list of paths and file digests; null for
 *                      the built-in set
 * @param createdAt     null for the built-in set
 */
public record Dataset(String id, String name, String source, List<String> classes, Map<String, SplitCounts> counts,
                      int images, String split, Double testFraction, List<Rejection> rejected, int rejectedCount,
                      String sha256, Instant createdAt) {

    public static final String BUILTIN = "builtin";

    /** Images of one class in each split. */
    public record SplitCounts(int train, int test) {
    }

    /** A file of the archive or folder that is not in the set. */
    public record Rejection(String file, String reason) {
    }

    public boolean builtIn() {
        return BUILTIN.equals(source);
    }
}
