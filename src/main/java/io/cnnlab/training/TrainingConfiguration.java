package io.cnnlab.training;

import io.cnnlab.evaluation.Evaluator;
import io.cnnlab.CnnProperties;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.datasets.Preprocessing;
import io.cnnlab.jobs.TrainingProperties;
import io.cnnlab.networks.InputDescription;
import org.deeplearning4j.util.CrashReportingUtil;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class TrainingConfiguration {

    @Bean
    Architectures architectures() {
        return Architectures.offered();
    }

    @Bean
    Preprocessing preprocessing() {
        return new Preprocessing(InputDescription.SEED.crop());
    }

    @Bean
    Trainer trainer(Preprocessing preprocessing, CnnProperties cnn, TrainingProperties training) {
        // DL4J writes a memory report when a job runs out of memory; by default into the working directory
        CrashReportingUtil.crashDumpOutputDirectory(cnn.home().resolve("crash-dumps").toFile());
        return new Trainer(preprocessing, new Evaluator(preprocessing, 500),
                training.engine() == TrainingProperties.Engine.ONEDNN);
    }
}
