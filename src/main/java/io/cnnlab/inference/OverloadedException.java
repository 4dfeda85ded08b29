package io.cnnlab.inference;

/** A model's queue is full: the client should retry shortly (503 with Retry-After). */
public class OverloadedException extends RuntimeException {

    public OverloadedException(String message) {
        super(message);
    }
}
