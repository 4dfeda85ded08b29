package io.cnnlab.observability;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Logs readiness changes: at shutdown, the line that says load balancers were told to stop sending traffic comes
 * before the web server stops taking requests and the workers checkpoint.
 */
@Component
class AvailabilityLog {

    private static final Logger log = LoggerFactory.getLogger("cnn.availability");

    @EventListener
    void onReadiness(AvailabilityChangeEvent<ReadinessState> event) {
        log.info("readiness={}", event.getState());
    }
}
