package io.cnnlab.storage;

import java.nio.file.Path;

/** Stores for tests of other packages (the implementations are package-private). */
public final class TestStores {

    private TestStores() {
    }

    /** The filesystem store on {@code root}. */
    public static BlobStore directory(Path root) {
        return new FileSystemBlobStore(root);
    }

    /** The S3 store on a bucket of {@code server}, temporary files in {@code tmp}. */
    public static BlobStore bucket(S3Server server, String bucket, Path tmp) {
        return S3BlobStore.create(server.config(bucket), tmp);
    }
}
