package io.cnnlab.models;

/** The registry refuses a change that would leave an alias dangling. */
public class ModelConflictException extends RuntimeException {

    public ModelConflictException(String message) {
        super(message);
    }
}
