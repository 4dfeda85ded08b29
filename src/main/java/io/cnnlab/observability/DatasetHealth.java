package io.cnnlab.observability;

import io.cnnlab.CnnProperties;
import io.cnnlab.datasets.TrainingData;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * Reports whether CIFAR-10 is on disk. Never DOWN: a missing data set fails training jobs with a clear reason (or is
 * downloaded) but classification still serves.
 */
@Component("datasetHealthIndicator")
class DatasetHealth extends AbstractHealthIndicator {

    private final TrainingData data;
    private final CnnProperties properties;

    DatasetHealth(TrainingData data, CnnProperties properties) {
        this.data = data;
        this.properties = properties;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.up()
                .withDetail("cifar10Available", data.available())
                .withDetail("location", data.location())
                .withDetail("downloadIfMissing", properties.dataset().download());
    }
}
