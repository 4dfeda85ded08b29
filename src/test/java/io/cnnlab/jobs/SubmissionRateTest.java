package io.cnnlab.jobs;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;

class SubmissionRateTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-11-27T12:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void aBurstUpToTheRateThenOneEveryInterval() {
        ManualClock clock = new ManualClock();
        SubmissionRate rate = new SubmissionRate(6, clock); // one every 10 s after a burst of 6

        for (int i = 0; i < 6; i++) {
            assertThat(rate.acquire()).isZero();
        }
        assertThat(rate.acquire()).isEqualTo(Duration.ofSeconds(10));
        clock.now = clock.now.plusSeconds(4);
        assertThat(rate.acquire()).isEqualTo(Duration.ofSeconds(6)); // a refused attempt costs nothing
        clock.now = clock.now.plusSeconds(6);
        assertThat(rate.acquire()).isZero();
        assertThat(rate.acquire()).isPositive();
    }

    @Test
    void anIdleMinuteRefillsTheBurstButNoMore() {
        ManualClock clock = new ManualClock();
        SubmissionRate rate = new SubmissionRate(3, clock);
        for (int i = 0; i < 3; i++) {
            rate.acquire();
        }
        clock.now = clock.now.plus(Duration.ofHours(1));
        for (int i = 0; i < 3; i++) {
            assertThat(rate.acquire()).isZero();
        }
        assertThat(rate.acquire()).isPositive();
    }
}
