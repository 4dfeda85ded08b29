package io.cnnlab.storage;

import io.cnnlab.files.DurableFiles;

import java.io.InputStream;
import java.util.List;

/**
 * Where checkpoint and model files live, shared by every instance of a cluster: a directory (a ReadWriteMany volume)
 * or an S3-compatible bucket ({@code cnn.storage.type}). The database records each file's sha256; every read is
 * checked against it, so a file that rotted, was truncated or replaced is refused, never loaded.
 *
 * <p>A key is a relative path of plain segments ({@code checkpoints/<job>/step-000000010.zip}); the store answers
 * for its own layout. A put is all or nothing: a reader sees the previous object or the whole new one.
 */
public interface BlobStore {

    /** Writes {@code content} under {@code key}, replacing any object there, and answers its size and sha256. */
    DurableFiles.Written put(String key, DurableFiles.Content content);

    /**
     * The object's bytes, after checking that they have {@code expectedSha256}.
     *
     * @throws CorruptBlobException when the object is missing or its bytes have another sha256
     */
    InputStream open(String key, String expectedSha256);

    /** Removes the object; a missing one is no error. */
    void delete(String key);

    /** Every key that starts with {@code prefix}, in no particular order. */
    List<String> list(String prefix);

    /** Where the objects are, for logs and health details (never a credential). */
    String describe();
}
