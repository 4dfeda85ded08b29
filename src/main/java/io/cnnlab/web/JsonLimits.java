package io.cnnlab.web;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bounds on JSON request bodies, enforced by the parser as it reads (so a chunked body without a length is cut
 * off too): document size, nesting depth, number length. Spring Boot 4.0 has no properties for Jackson 3's read
 * constraints, so the mapper builder is made here, on a constrained factory, with Boot's customizers applied.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(JsonLimits.Properties.class)
class JsonLimits {

    /**
     * {@code cnn.limits.json.*}
     *
     * @param maxBytes max size of a JSON body (16 MB: 64 base64 images of ~190 KB each)
     * @param maxDepth max nesting of arrays and objects
     */
    @Validated
    @ConfigurationProperties("cnn.limits.json")
    record Properties(@NotNull @DefaultValue("16MB") DataSize maxBytes,
                      @Min(4) @Max(1000) @DefaultValue("64") int maxDepth) {
    }

    @Bean
    @Scope("prototype")
    JsonMapper.Builder jsonMapperBuilder(Properties limits, ObjectProvider<JsonMapperBuilderCustomizer> customizers) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxDocumentLength(limits.maxBytes().toBytes())
                        .maxNestingDepth(limits.maxDepth())
                        .maxNumberLength(100)
                        .build())
                .build();
        JsonMapper.Builder builder = JsonMapper.builder(factory);
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder;
    }
}
