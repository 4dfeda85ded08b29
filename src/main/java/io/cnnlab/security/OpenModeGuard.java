package io.cnnlab.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Without keys, nothing tells a caller the operator trusts from a web page the operator happens to visit: a page
 * can send simple cross-site requests (a form post needs no preflight), and with DNS rebinding it can even read the
 * answers. So open mode answers only requests that name this machine's loopback (when it was chosen by listening on
 * loopback) and refuses every state-changing request a browser marks as coming from another site. Clients that are
 * not browsers (curl, scripts) send neither {@code Origin} nor {@code Sec-Fetch-Site} and are not affected.
 */
final class OpenModeGuard extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(OpenModeGuard.class);
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    private final boolean checksHost;
    private final HandlerExceptionResolver errors;

    OpenModeGuard(boolean checksHost, HandlerExceptionResolver errors) {
        this.checksHost = checksHost;
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String host = request.getHeader("Host");
        if (checksHost && !isLoopbackAuthority(host)) {
            // 421: the request names an authority this server does not answer for - not a permission question
            // (403) and not a malformed request (400); the browser of a rebinding page gets nothing to read
            refuse(request, response, HttpStatus.MISDIRECTED_REQUEST, "host-not-served", "Host not served",
                    "without API keys this service answers only requests for localhost, 127.0.0.1 or [::1]; "
                            + "configure cnn.security.keys to serve other names");
            return;
        }
        if (!SAFE_METHODS.contains(request.getMethod()) && isCrossSite(request, host)) {
            refuse(request, response, HttpStatus.FORBIDDEN, "cross-site-refused", "Cross-site request refused",
                    "without API keys, requests that change state are refused when a browser sends them from another "
                            + "site (Origin / Sec-Fetch-Site); use the dashboard on this service, or curl");
            return;
        }
        chain.doFilter(request, response);
    }

    private static boolean isCrossSite(HttpServletRequest request, String host) {
        String fetchSite = request.getHeader("Sec-Fetch-Site");
        if (fetchSite != null) {
            String site = fetchSite.trim().toLowerCase(Locale.ROOT);
            if (site.equals("cross-site") || site.equals("same-site")) {
                return true; // same-site is another origin too (a sibling sub-domain, another port of the host)
            }
        }
        String origin = request.getHeader("Origin");
        if (origin == null) {
            return false;
        }
        String authority = authorityOf(origin);
        return authority == null || !(isLoopbackAuthority(authority) || authority.equalsIgnoreCase(host));
    }

    /** The host[:port] of an origin, null for "null" and anything that is not an http(s) origin. */
    private static String authorityOf(String origin) {
        try {
            URI uri = URI.create(origin.trim());
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
                return null;
            }
            return uri.getRawAuthority();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** localhost, 127.0.0.1 or [::1], with or without a port. */
    static boolean isLoopbackAuthority(String authority) {
        if (authority == null) {
            return false;
        }
        String name = authority.trim().toLowerCase(Locale.ROOT);
        String port = null;
        if (name.startsWith("[")) {
            int end = name.indexOf(']');
            if (end < 0) {
                return false;
            }
            String rest = name.substring(end + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return false;
                }
                port = rest.substring(1);
            }
            name = name.substring(0, end + 1);
        } else {
            int colon = name.indexOf(':');
            if (colon >= 0) {
                port = name.substring(colon + 1);
                name = name.substring(0, colon);
            }
        }
        if (port != null && (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9'))) {
            return false;
        }
        return LOOPBACK_NAMES.contains(name);
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String slug,
                        String title, String detail) {
        log.info("refused {} {}: {} (Host {}, Origin {}, Sec-Fetch-Site {})", request.getMethod(),
                request.getRequestURI(), title, sanitized(request.getHeader("Host")),
                sanitized(request.getHeader("Origin")), sanitized(request.getHeader("Sec-Fetch-Site")));
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("urn:problem-type:cnn-lab:" + slug));
        problem.setTitle(title);
        errors.resolveException(request, response, null, new ErrorResponseException(status, problem, null));
    }

    /** Header values go to the log without line breaks and at bounded length. */
    private static String sanitized(String value) {
        if (value == null) {
            return "-";
        }
        String flat = value.replaceAll("[\\p{Cntrl}]", "?");
        return flat.length() > 100 ? flat.substring(0, 100) + "..." : flat;
    }
}
