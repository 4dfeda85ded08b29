package io.cnnlab.web;

import io.cnnlab.jobs.JobEpochCompleted;
import io.cnnlab.jobs.JobProgressed;
import io.cnnlab.jobs.JobStateChanged;
import io.cnnlab.jobs.TrainingJob;
import jakarta.annotation.PreDestroy;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.security.Principal;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Server-sent events of running jobs: {@code state} (first the current state, then every change), {@code progress}
 * (at most once a second), {@code epoch} (each epoch's metrics). A {@code state} event's data is the job as
 * {@code GET /api/v1/training-jobs/{id}} shows it, {@code model} included once it has succeeded. The stream ends when
 * the job does, or after {@code cnn.events.timeout} (clients reconnect and get the current state first). Events are
 * sent from a thread of their own, so a slow subscriber never slows training. Subscriptions are capped per job and
 * per caller.
 */
@Component
@EnableConfigurationProperties(JobEventProperties.class)
class JobEventStreams {

    private final JobEventProperties limits;
    private final Map<String, Set<SseEmitter>> subscribers = new ConcurrentHashMap<>();
    /** Open subscriptions by job and by caller; admission and release under the lock of this object. */
    private final Map<String, Integer> perJob = new HashMap<>();
    private final Map<String, Integer> perCaller = new HashMap<>();
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "job-events");
        thread.setDaemon(true);
        return thread;
    });

    private final JobViews views;

    JobEventStreams(JobEventProperties limits, JobViews views) {
        this.limits = limits;
        this.views = views;
        long every = limits.heartbeat().toMillis();
        sender.scheduleAtFixedRate(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    }

    /** The caller limits count against: its API key's name (open mode names callers by address), else its address. */
    static String callerOf(HttpServletRequest request) {
        Principal principal = request.getUserPrincipal();
        return principal != null ? principal.getName() : "address " + request.getRemoteAddr();
    }

    /**
     * Registers and sends the current state from the sender thread, so no change falls between the state a
     * subscriber gets first and the events that follow it.
     *
     * @throws ErrorResponseException 429 when the caller holds its share of subscriptions, 503 when the job has its
     *                                share; both with Retry-After
     */
    SseEmitter subscribe(String id, String caller, Supplier<TrainingJobView> current) {
        admit(id, caller);
        SseEmitter emitter = new SseEmitter(limits.timeout().toMillis());
        AtomicBoolean released = new AtomicBoolean();
        Runnable remove = () -> {
            if (released.compareAndSet(false, true)) {
                release(id, caller);
            }
            Set<SseEmitter> set = subscribers.get(id);
            if (set != null) {
                set.remove(emitter);
            }
        };
        emitter.onCompletion(remove);
        emitter.onTimeout(() -> {
            remove.run();
            emitter.complete(); // an ordinary end of stream: the client reconnects after retry
        });
        emitter.onError(e -> remove.run());
        try {
            sender.execute(() -> {
                subscribers.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(emitter);
                TrainingJobView now = current.get();
                if (send(emitter, SseEmitter.event().reconnectTime(limits.retry().toMillis()).name("state")
                        .data(now, MediaType.APPLICATION_JSON)) && now.state().isFinal()) {
                    emitter.complete();
                }
            });
        } catch (RuntimeException e) {
            remove.run();
            throw e;
        }
        return emitter;
    }

    private synchronized void admit(String id, String caller) {
        if (perCaller.getOrDefault(caller, 0) >= limits.maxPerCaller()) {
            throw tooMany(HttpStatus.TOO_MANY_REQUESTS, "this caller already holds " + limits.maxPerCaller()
                    + " live-event subscriptions (cnn.events.max-per-caller); close one or poll the job instead");
        }
        if (perJob.getOrDefault(id, 0) >= limits.maxPerJob()) {
            throw tooMany(HttpStatus.SERVICE_UNAVAILABLE, "job " + id + " already has " + limits.maxPerJob()
                    + " live-event subscribers (cnn.events.max-per-job); poll the job instead");
        }
        perCaller.merge(caller, 1, Integer::sum);
        perJob.merge(id, 1, Integer::sum);
    }

    private synchronized void release(String id, String caller) {
        perCaller.computeIfPresent(caller, (k, n) -> n > 1 ? n - 1 : null);
        perJob.computeIfPresent(id, (k, n) -> n > 1 ? n - 1 : null);
    }

    private ErrorResponseException tooMany(HttpStatus status, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(ProblemDetails.type("too-many-subscriptions"));
        problem.setTitle("Too many live-event subscriptions");
        ErrorResponseException refusal = new ErrorResponseException(status, problem, null);
        refusal.getHeaders().set(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, limits.retry().toSeconds())));
        return refusal;
    }

    /**
     * The job as a GET shows it, in the state of this change: a SUCCEEDED job names its model version (registered
     * before the job was marked SUCCEEDED) and keeps its last loss.
     */
    @EventListener
    void onState(JobStateChanged change) {
        TrainingJob job = change.job();
        publish(job.id(), "state", e -> views.of(job), change.to().isFinal());
    }

    @EventListener
    void onProgress(JobProgressed event) {
        var p = event.progress();
        publish(event.job().id(), "progress", e -> Map.of("step", p.step(), "totalSteps", p.totalSteps(), "epoch", p.epoch(),
                "loss", finite(p.loss()), "imagesPerSecond", finite(p.imagesPerSecond()), "etaSeconds", finite(p.etaSeconds())), false);
    }

    @EventListener
    void onEpoch(JobEpochCompleted event) {
        publish(event.job().id(), "epoch", e -> event.epoch(), false);
    }

    private void publish(String jobId, String name, Function<Void, Object> data, boolean last) {
        if (!subscribers.containsKey(jobId)) {
            return;
        }
        sender.execute(() -> {
            Set<SseEmitter> set = subscribers.getOrDefault(jobId, Set.of());
            Object payload = data.apply(null);
            for (SseEmitter emitter : set) {
                if (send(emitter, SseEmitter.event().name(name).data(payload, MediaType.APPLICATION_JSON)) && last) {
                    emitter.complete();
                }
            }
            if (last) {
                subscribers.remove(jobId);
            }
        });
    }

    /** A comment line to every subscriber: keeps idle connections open through proxies, finds the dead ones. */
    private void heartbeat() {
        subscribers.values().forEach(set -> set.forEach(emitter -> send(emitter, SseEmitter.event().comment("heartbeat"))));
    }

    private static boolean send(SseEmitter emitter, SseEmitter.SseEventBuilder event) {
        try {
            emitter.send(event);
            return true;
        } catch (IOException | IllegalStateException e) {
            emitter.completeWithError(e);
            return false;
        }
    }

    private static double finite(double value) {
        return Double.isFinite(value) ? value : -1;
    }

    /** Open subscriptions of one caller, for tests and diagnostics. */
    synchronized int subscriptionsOf(String caller) {
        return perCaller.getOrDefault(caller, 0);
    }

    @PreDestroy
    void close() {
        subscribers.values().forEach(set -> set.forEach(SseEmitter::complete));
        sender.shutdownNow();
    }
}
