package io.cnnlab.security;

import java.net.InetAddress;

/** Whether keys are required: decided once at start-up from the configuration and the listening address. */
record SecurityMode(boolean enabled, boolean listensBeyondLoopback, boolean hasKeys) {

    static SecurityMode decide(Boolean configured, boolean hasKeys, InetAddress serverAddress) {
        boolean beyondLoopback = serverAddress == null || !serverAddress.isLoopbackAddress();
        boolean enabled = configured != null ? configured : hasKeys && beyondLoopback;
        return new SecurityMode(enabled, beyondLoopback, hasKeys);
    }

    /** A sentence for the start-up log when the configuration deserves attention, else null. */
    String warning() {
        if (!enabled && listensBeyondLoopback) {
            return "SECURITY IS OFF: every API, including job submission and model deletion, is open to anyone who "
                    + "can reach this port. Configure cnn.security.keys (and leave cnn.security.enabled unset or true), "
                    + "or bind to loopback with server.address=127.0.0.1.";
        }
        if (enabled && !hasKeys) {
            return "cnn.security.enabled=true but no cnn.security.keys are configured: every API request will be refused "
                    + "(health probes stay open).";
        }
        return null;
    }
}
