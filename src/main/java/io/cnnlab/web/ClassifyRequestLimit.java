package io.cnnlab.web;

import io.cnnlab.inference.InferenceProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.multipart.MultipartHttpServletRequest;
import org.springframework.web.servlet.HandlerExceptionResolver;

import java.io.IOException;

/**
 * Multipart classify requests have their own size limit ({@code cnn.inference.max-request-bytes}), checked from the
 * declared Content-Length before the multipart resolver reads a byte: the service's multipart limits are the model
 * import's, far larger. A multipart classify without a length (chunked) is refused, as its size could only be found
 * by reading it. Registered by {@link ClassifyRequestLimit.Registration}, not scanned: controller slices do not need
 * the inference settings it reads.
 */
class ClassifyRequestLimit extends OncePerRequestFilter {

    /** A multipart classify request that does not declare its length (411). */
    static class LengthRequiredException extends RuntimeException {

        LengthRequiredException() {
            super("a multipart classify request must declare its Content-Length (at most the bytes of "
                    + "cnn.inference.max-request-bytes)");
        }
    }

    private final InferenceProperties properties;
    private final HandlerExceptionResolver problems;

    ClassifyRequestLimit(InferenceProperties properties, @Qualifier("handlerExceptionResolver") HandlerExceptionResolver problems) {
        this.properties = properties;
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String type = request.getContentType();
        // a request already parsed (MockMvc builds them so) has nothing left to protect
        return !"POST".equals(request.getMethod()) || type == null || !type.toLowerCase().startsWith("multipart/")
                || !path.startsWith("/api/v1/models/") || !path.endsWith("/classify")
                || request instanceof MultipartHttpServletRequest;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long length = request.getContentLengthLong();
        long max = properties.maxRequestBytes().toBytes();
        RuntimeException refused = length < 0 ? new LengthRequiredException()
                : length > max ? new PayloadTooLargeException(length, max, "cnn.inference.max-request-bytes") : null;
        if (refused == null) {
            chain.doFilter(request, response);
            return;
        }
        // the body is not read; the connection is closed after the answer rather than drained
        response.setHeader("Connection", "close");
        problems.resolveException(request, response, null, refused);
    }

    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    static class Registration {

        @org.springframework.context.annotation.Bean
        org.springframework.boot.web.servlet.FilterRegistrationBean<ClassifyRequestLimit> classifyRequestLimit(
                InferenceProperties properties,
                @Qualifier("handlerExceptionResolver") HandlerExceptionResolver problems) {
            var registration = new org.springframework.boot.web.servlet.FilterRegistrationBean<>(
                    new ClassifyRequestLimit(properties, problems));
            registration.setOrder(org.springframework.core.Ordered.HIGHEST_PRECEDENCE + 10);
            return registration;
        }
    }
}
