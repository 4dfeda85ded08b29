package io.cnnlab.security;

/** What an API key may do. A trainer may also do everything a client may. */
enum Role {
    /** submit and cancel jobs, import, download, alias and delete model versions */
    TRAINER,
    /** classify and read jobs, models, comparisons */
    CLIENT,
    /** scrape /actuator/prometheus, read /actuator/metrics and /actuator/info */
    METRICS;

    String authority() {
        return "ROLE_" + name();
    }
}
