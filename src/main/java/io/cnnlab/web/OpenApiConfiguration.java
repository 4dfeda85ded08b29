package io.cnnlab.web;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The API description at {@code /v3/api-docs}, browsable at {@code /swagger-ui.html}. */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    @Bean
    OpenAPI cnnLabApi() {
        return new OpenAPI().info(new Info()
                .title("cnn-lab")
                .version("0.1.0")
                .description("Train the seed lesson's CNN variants (baseline, factorized, multibranch, batchnorm) on "
                        + "CIFAR-10, keep every run's metrics and checkpoints, and serve classification (REST and the "
                        + "Open Inference Protocol). Errors are RFC 9457 problem details.")
                .license(new License().name("Apache-2.0")));
    }
}
