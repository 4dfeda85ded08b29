package io.cnnlab.web;

import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * Live-event subscriptions ({@code cnn.events.*}): each one holds a connection and a request thread's worth of
 * Tomcat state, so they are bounded.
 *
 * @param maxPerJob    open subscriptions of one job, over all callers
 * @param maxPerCaller open subscriptions of one caller (its API key, or its remote address without keys)
 * @param timeout      a subscription ends after this; clients reconnect (the stream's {@code retry:} says when)
 * @param heartbeat    a comment line this often, so proxies keep the connection and dead clients are noticed
 * @param retry        the reconnection delay the stream asks clients for
 */
@Validated
@ConfigurationProperties("cnn.events")
record JobEventProperties(@DefaultValue("16") @Positive int maxPerJob,
                                 @DefaultValue("8") @Positive int maxPerCaller,
                                 @DefaultValue("5m") Duration timeout,
                                 @DefaultValue("15s") Duration heartbeat,
                                 @DefaultValue("3s") Duration retry) {
}
