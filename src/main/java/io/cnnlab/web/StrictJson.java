package io.cnnlab.web;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.type.LogicalType;

/**
 * Every JSON body the service reads is strict: a field it does not know, or a value of the wrong JSON type, is a 400
 * naming the field ({@link JsonReadErrors}), never silently dropped or converted. A typo such as {@code max_steps}
 * would otherwise train with the default budget, and {@code "epochs": 2.5} with two epochs. Whole numbers are accepted
 * where a fraction is expected; nothing else is converted.
 */
@Configuration(proxyBeanMethods = false)
class StrictJson {

    @Bean
    JsonMapperBuilderCustomizer strictJsonRequests() {
        return new Customizer();
    }

    /** Applied after Boot's own customizer, so its defaults cannot switch these back off. */
    private static final class Customizer implements JsonMapperBuilderCustomizer, Ordered {

        @Override
        public void customize(tools.jackson.databind.json.JsonMapper.Builder builder) {
            builder.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                    .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS);
            refuse(builder, LogicalType.Integer, CoercionInputShape.String, CoercionInputShape.EmptyString,
                    CoercionInputShape.Float, CoercionInputShape.Boolean);
            // an integer literal is a valid JSON number where a fraction is expected (learningRate: 1): not refused
            refuse(builder, LogicalType.Float, CoercionInputShape.String, CoercionInputShape.EmptyString,
                    CoercionInputShape.Boolean);
            refuse(builder, LogicalType.Boolean, CoercionInputShape.String, CoercionInputShape.EmptyString,
                    CoercionInputShape.Integer, CoercionInputShape.Float);
            refuse(builder, LogicalType.Textual, CoercionInputShape.Integer, CoercionInputShape.Float,
                    CoercionInputShape.Boolean);
        }

        private static void refuse(tools.jackson.databind.json.JsonMapper.Builder builder, LogicalType target,
                                   CoercionInputShape... shapes) {
            builder.withCoercionConfig(target, config -> {
                for (CoercionInputShape shape : shapes) {
                    config.setCoercion(shape, CoercionAction.Fail);
                }
            });
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }
}
