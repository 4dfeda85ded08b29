package io.cnnlab.observability;

import io.cnnlab.nativeruntime.NativeBackend;
import io.cnnlab.nativeruntime.NativeBackendInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Says at start-up which native build and helpers are active, loudly when training will be slow. */
@Component
class NativeBackendReport {

    private static final Logger log = LoggerFactory.getLogger(NativeBackendReport.class);

    @EventListener(ApplicationReadyEvent.class)
    void report() {
        NativeBackendInfo info = NativeBackend.activate();
        if (info.layerHelpers()) {
            log.info(info.summary());
        } else {
            log.warn(info.summary());
        }
    }
}
