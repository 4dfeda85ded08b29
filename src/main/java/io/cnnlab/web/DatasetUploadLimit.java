package io.cnnlab.web;

import io.cnnlab.datasets.DatasetProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

import java.io.IOException;

/**
 * A data set upload larger than {@code cnn.datasets.max-upload-bytes} by its declared Content-Length is answered 413
 * before a byte of it is read (and before a multipart body is parsed). A chunked upload is counted while it is
 * streamed to disk and refused at the same limit there.
 */
class DatasetUploadLimit extends OncePerRequestFilter {

    private final DatasetProperties properties;
    private final HandlerExceptionResolver problems;

    DatasetUploadLimit(DatasetProperties properties, HandlerExceptionResolver problems) {
        this.properties = properties;
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return !"POST".equals(request.getMethod()) || !(path.equals("/api/v1/datasets") || path.equals("/api/v1/datasets/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long length = request.getContentLengthLong();
        long max = properties.maxUploadBytes().toBytes();
        if (length <= max) {
            chain.doFilter(request, response);
            return;
        }
        // the body is not read; the connection is closed after the answer rather than drained
        response.setHeader("Connection", "close");
        problems.resolveException(request, response, null,
                new PayloadTooLargeException(length, max, "cnn.datasets.max-upload-bytes"));
    }

    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    static class Registration {

        @org.springframework.context.annotation.Bean
        org.springframework.boot.web.servlet.FilterRegistrationBean<DatasetUploadLimit> datasetUploadLimit(
                DatasetProperties properties,
                @Qualifier("handlerExceptionResolver") HandlerExceptionResolver problems) {
            var registration = new org.springframework.boot.web.servlet.FilterRegistrationBean<>(
                    new DatasetUploadLimit(properties, problems));
            registration.setOrder(org.springframework.core.Ordered.HIGHEST_PRECEDENCE + 10);
            return registration;
        }
    }
}
