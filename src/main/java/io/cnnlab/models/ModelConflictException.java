package io.cnnlab.models;

/** The registry refuses a change that would leave an alias dangling, or a name that differs from one only in case. */
public class ModelConflictException extends RuntimeException {

    public ModelConflictException(String message) {
        super(message);
    }
}
