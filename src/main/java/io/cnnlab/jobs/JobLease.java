package io.cnnlab.jobs;

/**
 * What a worker holds while it runs a job: the job, the instance that claimed it and which claim (attempt) it was.
 * Every write a worker makes for the job names its lease; once another attempt has taken the job, the write is
 * refused with {@link LeaseLostException}.
 */
public record JobLease(String jobId, String owner, int attempt) {

    /** The lease a claim answered with. */
    public static JobLease of(TrainingJob claimed) {
        return new JobLease(claimed.id(), claimed.worker(), claimed.attempts());
    }
}
