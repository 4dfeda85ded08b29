package io.cnnlab.web;

import io.cnnlab.datasets.DatasetProperties;
import io.cnnlab.inference.InferenceProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.multipart.MultipartHttpServletRequest;
import org.springframework.web.servlet.HandlerExceptionResolver;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Bodies with a limit of their own, checked from the declared Content-Length before a byte is read (or a multipart
 * body parsed): a multipart classify ({@code cnn.inference.max-request-bytes}; the service's multipart limits are the
 * model import's, far larger) and a data set upload ({@code cnn.datasets.max-upload-bytes}). Over the limit is a 413;
 * a multipart classify without a length (chunked) is a 411, as its size could only be found by reading it (a chunked
 * data set upload is counted while it streams to disk instead). Registered by {@link Registration}, not scanned:
 * controller slices do not need the settings it reads.
 */
class DeclaredLengthLimits extends OncePerRequestFilter {

    /** A request that must declare its length and did not (411). */
    static class LengthRequiredException extends RuntimeException {

        LengthRequiredException(String setting) {
            super("this request must declare its Content-Length (at most the bytes of " + setting + ")");
        }
    }

    /** Which requests a limit applies to, the limit, the setting that holds it, whether a length must be declared. */
    record Limit(Predicate<HttpServletRequest> appliesTo, long maxBytes, String setting, boolean lengthRequired) {
    }

    private final List<Limit> limits;
    private final HandlerExceptionResolver problems;

    DeclaredLengthLimits(List<Limit> limits, HandlerExceptionResolver problems) {
        this.limits = List.copyOf(limits);
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        // a request already parsed (MockMvc builds them so) has nothing left to protect
        return !"POST".equals(request.getMethod()) || request instanceof MultipartHttpServletRequest;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long length = request.getContentLengthLong();
        for (Limit limit : limits) {
            if (!limit.appliesTo().test(request)) {
                continue;
            }
            RuntimeException refused = length < 0 && limit.lengthRequired() ? new LengthRequiredException(limit.setting())
                    : length > limit.maxBytes() ? new PayloadTooLargeException(length, limit.maxBytes(), limit.setting())
                    : null;
            if (refused != null) {
                // the body is not read; the connection is closed after the answer rather than drained
                response.setHeader("Connection", "close");
                problems.resolveException(request, response, null, refused);
                return;
            }
        }
        chain.doFilter(request, response);
    }

    private static String path(HttpServletRequest request) {
        return request.getRequestURI().substring(request.getContextPath().length());
    }

    private static boolean multipartClassify(HttpServletRequest request) {
        String type = request.getContentType();
        String path = path(request);
        return type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/")
                && path.startsWith("/api/v1/models/") && path.endsWith("/classify");
    }

    private static boolean datasetUpload(HttpServletRequest request) {
        String path = path(request);
        return path.equals("/api/v1/datasets") || path.equals("/api/v1/datasets/");
    }

    @Configuration(proxyBeanMethods = false)
    static class Registration {

        @Bean
        FilterRegistrationBean<DeclaredLengthLimits> declaredLengthLimits(
                InferenceProperties inference, DatasetProperties datasets,
                @Qualifier("handlerExceptionResolver") HandlerExceptionResolver problems) {
            var registration = new FilterRegistrationBean<>(new DeclaredLengthLimits(List.of(
                    new Limit(DeclaredLengthLimits::multipartClassify, inference.maxRequestBytes().toBytes(),
                            "cnn.inference.max-request-bytes", true),
                    new Limit(DeclaredLengthLimits::datasetUpload, datasets.maxUploadBytes().toBytes(),
                            "cnn.datasets.max-upload-bytes", false)), problems));
            registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
            return registration;
        }
    }
}
