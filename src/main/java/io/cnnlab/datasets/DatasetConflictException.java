package io.cnnlab.datasets;

/** The data set cannot be deleted now: it is built in, or a job uses it. */
public class DatasetConflictException extends RuntimeException {

    DatasetConflictException(String message) {
        super(message);
    }
}
