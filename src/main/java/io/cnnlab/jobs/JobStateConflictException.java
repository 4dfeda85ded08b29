package io.cnnlab.jobs;

/** The job's state does not allow what was asked (e.g. cancelling a finished job). */
public class JobStateConflictException extends RuntimeException {

    public JobStateConflictException(String message) {
        super(message);
    }
}
