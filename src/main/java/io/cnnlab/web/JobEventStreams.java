package io.cnnlab.web;

import io.cnnlab.jobs.JobEpochCompleted;
import io.cnnlab.jobs.JobProgressed;
import io.cnnlab.jobs.JobStateChanged;
import io.cnnlab.jobs.TrainingJob;
import jakarta.annotation.PreDestroy;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Server-sent events of running jobs: {@code state} (first the current state, then every change), {@code progress}
 * (at most once a second), {@code epoch} (each epoch's metrics); the stream ends when the job does. Events are sent
 * from a thread of their own, so a slow subscriber never slows training.
 */
@Component
class JobEventStreams {

    private static final long TIMEOUT_MILLIS = Duration.ofHours(24).toMillis();

    private final Map<String, Set<SseEmitter>> subscribers = new ConcurrentHashMap<>();
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "job-events");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * Registers and sends the current state from the sender thread, so no change falls between the state a
     * subscriber gets first and the events that follow it.
     */
    SseEmitter subscribe(String id, java.util.function.Supplier<TrainingJobView> current) {
        SseEmitter emitter = new SseEmitter(TIMEOUT_MILLIS);
        sender.execute(() -> {
            subscribers.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(emitter);
            TrainingJobView now = current.get();
            if (send(emitter, "state", now) && now.state().isFinal()) {
                emitter.complete();
            }
        });
        Runnable remove = () -> {
            Set<SseEmitter> set = subscribers.get(id);
            if (set != null) {
                set.remove(emitter);
            }
        };
        emitter.onCompletion(remove);
        emitter.onTimeout(remove);
        emitter.onError(e -> remove.run());
        return emitter;
    }

    @EventListener
    void onState(JobStateChanged change) {
        TrainingJob job = change.job();
        publish(job.id(), "state", e -> TrainingJobView.of(job, null, null), change.to().isFinal());
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
                if (send(emitter, name, payload) && last) {
                    emitter.complete();
                }
            }
            if (last) {
                subscribers.remove(jobId);
            }
        });
    }

    private static boolean send(SseEmitter emitter, String name, Object data) {
        try {
            emitter.send(SseEmitter.event().name(name).data(data, MediaType.APPLICATION_JSON));
            return true;
        } catch (IOException | IllegalStateException e) {
            emitter.completeWithError(e);
            return false;
        }
    }

    private static double finite(double value) {
        return Double.isFinite(value) ? value : -1;
    }

    @PreDestroy
    void close() {
        subscribers.values().forEach(set -> set.forEach(SseEmitter::complete));
        sender.shutdownNow();
    }
}
