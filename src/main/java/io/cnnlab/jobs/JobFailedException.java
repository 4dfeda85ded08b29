package io.cnnlab.jobs;

/** An expected failure whose message tells the user what to do (missing data, too little memory); no stack trace. */
public class JobFailedException extends RuntimeException {

    public JobFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
