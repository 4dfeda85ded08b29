package io.cnnlab.storage;

/** A stored object is missing or does not have the sha256 recorded when it was written. */
public class CorruptBlobException extends RuntimeException {

    CorruptBlobException(String message) {
        super(message);
    }
}
