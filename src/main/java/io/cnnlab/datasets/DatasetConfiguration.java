package io.cnnlab.datasets;

import io.cnnlab.CnnProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class DatasetConfiguration {

    @Bean
    Cifar10Source cifar10Source(CnnProperties properties) {
        var dataset = properties.dataset();
        return new Cifar10Source(properties.dataDir(),
                dataset.download() ? new Cifar10Download(dataset.url(), dataset.md5()) : null);
    }
}
