package io.cnnlab.security;

import jakarta.servlet.DispatcherType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.web.servlet.HandlerExceptionResolver;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Who may call what. Health probes, the dashboard's static files and the API description are open; reading and
 * classifying need a client key, changing jobs and models a trainer key, metrics a metrics key. Refusals are
 * problem details from the same mapping as every other error.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SecurityProperties.class)
class SecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);
    /**
     * Everything from this origin only: the dashboard has no inline script or style, and nothing may frame it.
     * Images may also be local blobs and data URLs: the dashboard previews a dropped image before classifying it,
     * and Swagger UI draws its icons so; neither can run code.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; frame-ancestors 'none'";

    /** Fails the start when the service would be open to other machines without the operator saying so. */
    @Bean
    SecurityMode securityMode(SecurityProperties properties, Environment environment) {
        SecurityMode mode = SecurityMode.decide(properties.enabled(), !properties.keys().isEmpty(),
                serverAddress(environment.getProperty("server.address")));
        if (mode.warning() != null) {
            log.warn(mode.warning());
        }
        if (mode.keysRequired()) {
            log.info("API keys required: {} key(s) configured", properties.keys().size());
        } else {
            log.info("API keys not required (open mode): {}cross-site requests that change state are refused",
                    mode.checksHost() ? "only loopback Host names are answered; " : "");
        }
        return mode;
    }

    @Bean
    static RoleHierarchy roleHierarchy() {
        return RoleHierarchyImpl.fromHierarchy("ROLE_TRAINER > ROLE_CLIENT");
    }

    /** There are no user accounts, only API keys; this also keeps Spring Boot from creating a default user. */
    @Bean
    UserDetailsService noUserAccounts() {
        return username -> {
            throw new UsernameNotFoundException("this service authenticates API keys, not users");
        };
    }

    @Bean
    SecurityFilterChain apiSecurity(HttpSecurity http, SecurityMode mode, SecurityProperties properties,
                                    @Qualifier("handlerExceptionResolver") HandlerExceptionResolver errors) throws Exception {
        AuthenticationEntryPoint unauthenticated = (request, response, e) -> errors.resolveException(request, response, null, e);
        AccessDeniedHandler forbidden = (request, response, e) -> errors.resolveException(request, response, null, e);
        // no cookies, no sessions: with keys nothing for a cross-site request to ride on; open mode has its own guard
        http.csrf(AbstractHttpConfigurer::disable)
                .headers(h -> h
                        .contentSecurityPolicy(c -> c.policyDirectives(CONTENT_SECURITY_POLICY))
                        .referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.NO_REFERRER)))
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .httpBasic(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                .exceptionHandling(e -> e.authenticationEntryPoint(unauthenticated).accessDeniedHandler(forbidden));
        if (!mode.keysRequired()) {
            // open: every caller acts with every role, so role-gated views (health details) show as they would to a key
            return http.addFilterBefore(new OpenModeGuard(mode.checksHost(), errors), AnonymousAuthenticationFilter.class)
                    .addFilterBefore(new OpenAccessFilter(), AnonymousAuthenticationFilter.class)
                    .authorizeHttpRequests(a -> a.anyRequest().permitAll()).build();
        }
        http.addFilterBefore(new ApiKeyFilter(new ApiKeys(properties.keys()), unauthenticated),
                AnonymousAuthenticationFilter.class);
        return http.authorizeHttpRequests(a -> a
                .dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR).permitAll()
                .requestMatchers("/actuator/health", "/actuator/health/**", "/v2/health/**").permitAll()
                .requestMatchers("/", "/index.html", "/app.js", "/chart.js", "/app.css", "/favicon.ico").permitAll()
                .requestMatchers("/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**").permitAll()
                .requestMatchers("/actuator/**").hasRole(Role.METRICS.name())
                .requestMatchers(HttpMethod.POST, "/api/v1/models/*/classify", "/api/v1/models/*/versions/*/classify",
                        "/api/v1/models/*/aliases/*/classify", "/v2/models/**").hasRole(Role.CLIENT.name())
                // the weights themselves: a key that may only classify must not walk off with the model
                .requestMatchers(HttpMethod.GET, "/api/v1/models/*/file", "/api/v1/models/*/versions/*/file",
                        "/api/v1/models/*/aliases/*/file").hasRole(Role.TRAINER.name())
                .requestMatchers(HttpMethod.GET, "/api/**", "/v2", "/v2/**").hasRole(Role.CLIENT.name())
                .requestMatchers(HttpMethod.POST, "/api/v1/training-jobs", "/api/v1/training-jobs/*/cancel", "/api/v1/training-jobs/*/continue",
                        "/api/v1/models/*/versions", "/api/v1/models/*/versions/*/evaluation", "/api/v1/datasets")
                .hasRole(Role.TRAINER.name())
                .requestMatchers(HttpMethod.PUT, "/api/v1/models/**").hasRole(Role.TRAINER.name())
                .requestMatchers(HttpMethod.DELETE, "/api/v1/models/**", "/api/v1/training-jobs/*",
                        "/api/v1/datasets/*").hasRole(Role.TRAINER.name())
                .anyRequest().denyAll()).build();
    }

    private static InetAddress serverAddress(String configured) {
        if (configured == null || configured.isBlank()) {
            return null; // Tomcat listens on every interface
        }
        try {
            return InetAddress.getByName(configured.trim());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("server.address is not an address: " + configured, e);
        }
    }
}
