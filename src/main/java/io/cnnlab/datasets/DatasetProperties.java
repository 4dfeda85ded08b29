package io.cnnlab.datasets;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code cnn.datasets.*}: users' image-folder data sets and the limits an uploaded archive must keep. Every limit is
 * checked while the archive is read, before anything it declares is allocated; a limit crossed refuses the whole
 * archive (413) and leaves nothing behind.
 *
 * @param roots                 server-side folders under which data sets may be registered by path; empty: folder
 *                              registration is off
 * @param maxUploadBytes        largest archive accepted, checked from the Content-Length before the body is read and
 *                              again while it is streamed to disk
 * @param maxUncompressedBytes  most bytes the archive's entries may unpack to, all together (decompression bombs)
 * @param maxEntries            most entries (files and folders) an archive or a registered folder may hold
 * @param maxImageBytes         largest single file read as an image; a larger one is listed as rejected
 * @param maxPixels             largest image (width x height), read from its header; one larger refuses the archive
 * @param maxClasses            most classes (class folders) a data set may have
 * @param maxRejectedListed     rejected files named in the answer and the metadata; the count covers them all
 * @param maxConcurrentImports  imports decoding at once; another one is answered 503 (Retry-After)
 * @param splitSeed             seed of the stratified test split, so the same archive splits the same way
 * @param leftoverAge           an unfinished import (or an unlisted data set folder) older than this is removed at
 *                              start; younger ones may be another instance's import in progress on shared storage
 */
@Validated
@ConfigurationProperties("cnn.datasets")
public record DatasetProperties(@NotNull @DefaultValue List<Path> roots,
                                @NotNull @DefaultValue("1GB") DataSize maxUploadBytes,
                                @NotNull @DefaultValue("4GB") DataSize maxUncompressedBytes,
                                @Min(1) @Max(10_000_000) @DefaultValue("100000") int maxEntries,
                                @NotNull @DefaultValue("20MB") DataSize maxImageBytes,
                                @Min(1) @DefaultValue("40000000") long maxPixels,
                                @Min(2) @Max(1000) @DefaultValue("1000") int maxClasses,
                                @Min(0) @Max(100_000) @DefaultValue("1000") int maxRejectedListed,
                                @Min(1) @Max(64) @DefaultValue("2") int maxConcurrentImports,
                                @DefaultValue("42") long splitSeed,
                                @NotNull @DefaultValue("15m") Duration leftoverAge) {

    /** Largest {@code testFraction} a request may ask for: at least one image per class stays for training. */
    static final double MAX_TEST_FRACTION = 0.9;
}
