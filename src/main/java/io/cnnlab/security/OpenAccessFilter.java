package io.cnnlab.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.EnumSet;

/**
 * With security off, each request acts as a caller holding every role (not as an anonymous one), named after its
 * remote address so that limits per caller (live-event subscriptions) still tell callers apart.
 */
final class OpenAccessFilter extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        ApiKeyFilter.continueAs("open-access@" + request.getRemoteAddr(), EnumSet.allOf(Role.class), request, response, chain);
    }
}
