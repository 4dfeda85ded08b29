package io.cnnlab.jobs;

/**
 * What a submit asks for.
 *
 * @param plan           the training plan's document; the job store keeps it as text and never reads it
 * @param caller         who submits (the principal's name): idempotency keys are scoped to it
 * @param idempotencyKey may be null
 * @param requestSha256  digest of what was asked for; a key reused with another digest is refused
 * @param parentJob      the job this one continues; null for a new run
 */
public record NewJob(String architecture, String modelName, String plan, String caller, String idempotencyKey,
                     String requestSha256, String parentJob) {

    /** A new run, no job's continuation. */
    public NewJob(String architecture, String modelName, String plan, String caller, String idempotencyKey,
                  String requestSha256) {
        this(architecture, modelName, plan, caller, idempotencyKey, requestSha256, null);
    }
}
