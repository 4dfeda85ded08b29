package io.cnnlab.checkpoints;

/** A checkpoint file is missing or does not match the sha256 recorded when it was written. */
public class CorruptCheckpointException extends RuntimeException {

    public CorruptCheckpointException(String message) {
        super(message);
    }
}
