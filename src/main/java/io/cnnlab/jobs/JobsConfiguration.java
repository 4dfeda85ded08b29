package io.cnnlab.jobs;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

@Configuration(proxyBeanMethods = false)
class JobsConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    InstanceId instanceId(InstanceProperties properties) {
        String configured = properties.instanceId();
        if (configured != null && !configured.isBlank()) {
            if (configured.length() > 200) {
                throw new IllegalArgumentException("cnn.instance-id is longer than 200 characters");
            }
            return new InstanceId(configured.strip());
        }
        return new InstanceId(hostName() + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
    }

    private static String hostName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            return name.length() > 150 ? name.substring(0, 150) : name;
        } catch (UnknownHostException e) {
            return "instance";
        }
    }
}
