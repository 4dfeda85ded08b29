package io.cnnlab.jobs;

import java.time.Duration;

/** The queue holds {@code cnn.training.max-queued} jobs already; try again later. */
public class QueueFullException extends RuntimeException {

    private final Duration retryAfter;

    public QueueFullException(long queued, Duration retryAfter) {
        super("the training queue is full (%d jobs waiting); retry later".formatted(queued));
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
