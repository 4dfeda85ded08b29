package io.cnnlab.observability;

import io.cnnlab.jobs.JobStateChanged;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** One log line per job state change, with what an operator needs to follow it. */
@Component
class JobStateLog {

    private static final Logger log = LoggerFactory.getLogger("cnn.jobs");

    @EventListener
    void onStateChange(JobStateChanged change) {
        log.info("job={} architecture={} state={}->{} attempt={} step={} reason=\"{}\"", change.job().id(),
                change.job().architecture(), change.from() == null ? "NEW" : change.from(), change.to(),
                change.job().attempts(), change.job().step(), change.reason());
    }
}
