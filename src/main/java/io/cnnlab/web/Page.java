package io.cnnlab.web;

import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;

/**
 * One page of a collection: the one envelope every list the JSON API answers is wrapped in, so a client pages jobs,
 * models, checkpoints, metrics, comparisons and architectures alike. Controllers take {@code page} and {@code size}
 * with the bounds below ({@link #PAGE_MIN} etc.) so every collection refuses the same values with the same 400.
 *
 * @param items the page's elements, in the collection's order (empty past the end)
 * @param page  0-based number of this page
 * @param size  the page size asked for (the last page may hold fewer items)
 * @param total elements in the whole collection
 */
record Page<T>(
        @Schema(description = "this page's elements, in the collection's order; empty past the end") List<T> items,
        @Schema(description = "0-based page number", minimum = "0", maximum = "1000000") int page,
        @Schema(description = "page size asked for; the last page may hold fewer items", minimum = "1", maximum = "1000") int size,
        @Schema(description = "elements in the whole collection") long total) {

    static final long PAGE_MIN = 0;
    static final long PAGE_MAX = 1_000_000;
    static final long SIZE_MIN = 1;
    /** A job's whole history fits one page: a job trains at most 1000 epochs (TrainingJobRequest). */
    static final long SIZE_MAX = 1000;
    static final String DEFAULT_SIZE = "100";

    Page {
        items = List.copyOf(items);
    }

    /** A page the store cut: {@code items} are already the page's. */
    static <T> Page<T> of(List<T> items, int page, int size, long total) {
        return new Page<>(items, page, size, total);
    }

    /** A page cut from the whole collection, held in memory. */
    static <T> Page<T> slice(List<T> all, int page, int size) {
        long from = (long) page * size;
        List<T> items = from >= all.size() ? List.of()
                : all.subList((int) from, (int) Math.min(all.size(), from + size));
        return new Page<>(items, page, size, all.size());
    }
}
