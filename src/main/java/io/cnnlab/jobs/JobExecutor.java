package io.cnnlab.jobs;

/** Does a job's work on a worker thread. The worker pool knows nothing more about what the work is. */
public interface JobExecutor {

    /**
     * Runs (or continues) the job until it is done or {@link JobControl#stopRequested()} says stop.
     *
     * @return COMPLETED when the work is done, STOPPED when it ended early on request
     * @throws Exception anything that makes the job fail; its message becomes the job's error
     */
    Result execute(TrainingJob job, JobControl control) throws Exception;

    enum Result { COMPLETED, STOPPED }
}
