package io.cnnlab.retention;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/** Runs {@link Retention} every {@code cnn.retention.interval}, unless {@code cnn.retention.enabled=false}. */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
@ConditionalOnBooleanProperty(name = "cnn.retention.enabled", matchIfMissing = true)
class RetentionSchedule {

    private static final Logger log = LoggerFactory.getLogger(RetentionSchedule.class);

    private final Retention retention;

    RetentionSchedule(Retention retention) {
        this.retention = retention;
    }

    @Scheduled(fixedDelayString = "${cnn.retention.interval:1h}", initialDelayString = "${cnn.retention.interval:1h}")
    void sweep() {
        try {
            retention.sweep();
        } catch (RuntimeException e) {
            // the next sweep tries again; a failing sweep must not stop the schedule
            log.warn("retention sweep failed: {}", e.toString());
        }
    }
}
