package io.cnnlab.web;

import org.springframework.context.annotation.Configuration;
import org.springframework.core.convert.converter.Converter;
import org.springframework.core.convert.converter.ConverterFactory;
import org.springframework.format.FormatterRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Enumerations in query parameters and path variables accept any case ({@code ?state=running}), as in JSON bodies;
 * a value that is none of them is a 400 listing the allowed ones ({@link ProblemDetails}).
 */
@Configuration(proxyBeanMethods = false)
class CaseInsensitiveEnums implements WebMvcConfigurer {

    @Override
    public void addFormatters(FormatterRegistry registry) {
        registry.addConverterFactory(new Factory());
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static final class Factory implements ConverterFactory<String, Enum> {

        @Override
        public <T extends Enum> Converter<String, T> getConverter(Class<T> type) {
            return source -> {
                String value = source.trim();
                if (value.isEmpty()) {
                    return null;
                }
                for (T constant : type.getEnumConstants()) {
                    if (constant.name().equalsIgnoreCase(value)) {
                        return constant;
                    }
                }
                throw new IllegalArgumentException("no " + type.getSimpleName() + " named " + value);
            };
        }
    }
}
