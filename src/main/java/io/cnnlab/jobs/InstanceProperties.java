package io.cnnlab.jobs;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code cnn.instance-id}: the name this process claims jobs under (the job view's {@code worker}).
 *
 * @param instanceId unique among the instances on one database. Unset, the host name with a random suffix, new
 *                   for each start: a restarted instance then resumes its jobs once their leases expire. A stable
 *                   name (e.g. a StatefulSet pod's) lets it take them back at once; two live processes must never
 *                   share one
 */
@ConfigurationProperties("cnn")
record InstanceProperties(String instanceId) {
}
