package io.cnnlab.datasets;

/** The data a job needs is missing, incomplete or cannot be fetched; the message says what to do. */
public class DatasetUnavailableException extends RuntimeException {

    public DatasetUnavailableException(String message) {
        super(message);
    }

    public DatasetUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
