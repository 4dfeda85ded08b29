package io.cnnlab.jobs;

/**
 * A worker's write for a job was refused: its lease expired and another attempt took the job (or the job was
 * cancelled or deleted meanwhile). The worker stops and writes nothing more for it; the job is not touched.
 */
public class LeaseLostException extends RuntimeException {

    public LeaseLostException(JobLease lease) {
        super("job %s is no longer held by %s for attempt %d".formatted(lease.jobId(), lease.owner(), lease.attempt()));
    }
}
