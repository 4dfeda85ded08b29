package io.cnnlab.jobs;

/** An idempotency key the caller already used for a different request. */
public class IdempotencyKeyReusedException extends RuntimeException {

    private final String existingJobId;

    public IdempotencyKeyReusedException(String key, String existingJobId) {
        super("the Idempotency-Key '%s' was already used with a different request body (job %s); use a new key for a new submission"
                .formatted(key, existingJobId));
        this.existingJobId = existingJobId;
    }

    public String existingJobId() {
        return existingJobId;
    }
}
