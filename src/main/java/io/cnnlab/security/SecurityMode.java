package io.cnnlab.security;

import java.net.InetAddress;

/**
 * How callers are checked, decided once at start-up from the configuration and the listening address.
 *
 * @param keysRequired  every API request needs a configured key (always so when keys are configured)
 * @param checksHost    open mode on loopback: only loopback {@code Host} names are answered (DNS-rebinding defence)
 * @param beyondLoopback the service listens on an address other machines can reach
 * @param hasKeys       keys are configured
 * @param warning       a sentence for the start-up log when the configuration deserves attention, else null
 */
record SecurityMode(boolean keysRequired, boolean checksHost, boolean beyondLoopback, boolean hasKeys, String warning) {

    static final String OPEN_BEYOND_LOOPBACK = "no API keys are configured and the service listens beyond loopback "
            + "(server.address is unset or not a loopback address), so anyone who reaches the port could submit jobs, "
            + "import and delete models. Configure cnn.security.keys, or bind to loopback (server.address=127.0.0.1), "
            + "or - only on a network you trust - switch security off explicitly with cnn.security.enabled=false.";

    /**
     * @throws InsecureConfigurationException when nothing protects a service reachable from other machines and the
     *                                        operator has not said that this is intended
     */
    static SecurityMode decide(Boolean configured, boolean hasKeys, InetAddress serverAddress) {
        boolean beyondLoopback = serverAddress == null || !serverAddress.isLoopbackAddress();
        if (hasKeys) {
            // keys configured are keys enforced, wherever the service listens and whatever the switch says
            String warning = Boolean.FALSE.equals(configured)
                    ? "cnn.security.enabled=false is ignored: API keys are configured, and configured keys are always "
                    + "required. Remove the keys to run without them." : null;
            return new SecurityMode(true, false, beyondLoopback, true, warning);
        }
        if (Boolean.TRUE.equals(configured)) {
            return new SecurityMode(true, false, beyondLoopback, false, "cnn.security.enabled=true but no "
                    + "cnn.security.keys are configured: every API request will be refused (health probes stay open).");
        }
        if (Boolean.FALSE.equals(configured)) {
            // the operator's explicit choice: the names it is reached by are the operator's, so Host is not checked
            return new SecurityMode(false, false, beyondLoopback, false, beyondLoopback
                    ? "SECURITY IS OFF (cnn.security.enabled=false): every API, including job submission and model "
                    + "deletion, is open to anyone who can reach this port; only cross-site browser requests are refused."
                    : null);
        }
        if (beyondLoopback) {
            throw new InsecureConfigurationException(OPEN_BEYOND_LOOPBACK);
        }
        return new SecurityMode(false, true, false, false, null);
    }

    /** The service must not start as configured. */
    static final class InsecureConfigurationException extends IllegalStateException {
        InsecureConfigurationException(String message) {
            super("refusing to start: " + message);
        }
    }
}
