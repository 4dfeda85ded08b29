package io.cnnlab.jobs;

/**
 * What a submit asks for.
 *
 * @param plan            the training plan's document; the job store keeps it as text and never reads it
 * @param caller          who submits (the principal's name): idempotency keys are scoped to it
 * @param idempotencyKey  may be null
 * @param requestSha256   digest of what was asked for; a key reused with another digest is refused
 * @param parentJob       the job this one continues; null for a new run
 * @param dataset         id of the data set it trains on
 * @param initFromModel   model whose version it starts from (fine-tuning); null for a new network
 * @param initFromVersion that model's version, resolved at submit; null with {@code initFromModel}
 * @param freeze          keep the feature layers of {@code initFrom} fixed, train only the classifier
 */
public record NewJob(String architecture, String modelName, String plan, String caller, String idempotencyKey,
                     String requestSha256, String parentJob, String dataset, String initFromModel,
                     Integer initFromVersion, boolean freeze) {

    /** The id of the built-in data set, which jobs train on unless they name another. */
    public static final String DEFAULT_DATASET = "cifar10";

    /** A job on CIFAR-10 from a new network, no job's continuation. */
    public NewJob(String architecture, String modelName, String plan, String caller, String idempotencyKey,
                  String requestSha256) {
        this(architecture, modelName, plan, caller, idempotencyKey, requestSha256, null, DEFAULT_DATASET, null, null,
                false);
    }
}
