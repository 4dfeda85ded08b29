package io.cnnlab.jobs;

import java.time.Duration;

/** The queue holds {@code cnn.training.max-queued} jobs already, or submissions come too fast; try again later. */
public class QueueFullException extends RuntimeException {

    private final Duration retryAfter;

    public QueueFullException(long queued, Duration retryAfter) {
        this("the training queue is full (%d jobs waiting); retry later".formatted(queued), retryAfter);
    }

    public QueueFullException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
