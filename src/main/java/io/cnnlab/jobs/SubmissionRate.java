package io.cnnlab.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A token bucket for job submissions: a burst of up to {@code perMinute} jobs, then one every 60/perMinute seconds.
 * Protects the disk and the queue from a runaway client loop, before the queue bound is ever reached.
 */
final class SubmissionRate {

    private final int perMinute;
    private final Clock clock;
    private double tokens;
    private Instant updated;

    SubmissionRate(int perMinute, Clock clock) {
        if (perMinute < 1) {
            throw new IllegalArgumentException("perMinute must be at least 1");
        }
        this.perMinute = perMinute;
        this.clock = clock;
        this.tokens = perMinute;
        this.updated = clock.instant();
    }

    /** Takes one submission, or says how long until one is allowed. */
    synchronized Duration acquire() {
        Instant now = clock.instant();
        double elapsedMinutes = Math.max(0, Duration.between(updated, now).toNanos()) / 60e9;
        tokens = Math.min(perMinute, tokens + elapsedMinutes * perMinute);
        updated = now;
        if (tokens >= 1) {
            tokens -= 1;
            return Duration.ZERO;
        }
        double secondsToNext = (1 - tokens) * 60.0 / perMinute;
        return Duration.ofSeconds((long) Math.ceil(secondsToNext));
    }
}
