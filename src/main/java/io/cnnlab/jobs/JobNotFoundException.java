package io.cnnlab.jobs;

public class JobNotFoundException extends RuntimeException {

    public JobNotFoundException(String id) {
        super("no training job with id " + id);
    }
}
