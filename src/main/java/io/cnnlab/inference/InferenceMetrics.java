package io.cnnlab.inference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.stereotype.Component;

import java.time.Duration;

/** The classification meters ({@code cnn.inference.*}); the catalogue is in docs/operations.md. */
@Component
class InferenceMetrics {

    /**
     * A fixed bucket set (Prometheus {@code le} bounds) instead of a percentile histogram's ~70: fine where single
     * requests land (a few milliseconds), coarse towards the 30 s a request can wait at most.
     */
    static final Duration[] LATENCY_BUCKETS = java.util.stream.Stream.of(
            500_000L, 1_000_000L, 1_500_000L, 2_000_000L, 3_000_000L, 5_000_000L, 7_500_000L, 10_000_000L,
            25_000_000L, 50_000_000L, 100_000_000L, 250_000_000L, 500_000_000L, 1_000_000_000L, 2_500_000_000L,
            5_000_000_000L, 10_000_000_000L, 30_000_000_000L).map(Duration::ofNanos).toArray(Duration[]::new);

    private final MeterRegistry registry;
    private final DistributionSummary batchSize;
    private final java.util.Map<String, Counter> counters = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, Timer> latencies = new java.util.concurrent.ConcurrentHashMap<>();

    InferenceMetrics(MeterRegistry registry, LoadedModels models) {
        this.registry = registry;
        this.batchSize = DistributionSummary.builder("cnn.inference.batch.size")
                .description("images per network run (micro-batches gather concurrent requests)")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256).register(registry);
        Gauge.builder("cnn.inference.queue.depth", models, LoadedModels::queued)
                .description("images waiting for a network run, all models").register(registry);
        Gauge.builder("cnn.inference.models.loaded", models, LoadedModels::loaded)
                .description("model versions in memory").register(registry);
        models.onBatch(batchSize::record);
        Counter loads = Counter.builder("cnn.inference.model.loads")
                .description("model versions loaded into serving (again after an unload included)").register(registry);
        models.onLoad(loads::increment);
    }

    /**
     * Meters are built once per model (and outcome), not on every request, and not per version: versions come and go
     * with every training run, and each would otherwise leave its series behind until the next restart.
     */
    void request(String model, String outcome, long nanos) {
        counters.computeIfAbsent(model + "/" + outcome, k -> Counter.builder("cnn.inference.requests")
                .description("classification requests by outcome")
                .tags("model", model, "outcome", outcome)
                .register(registry)).increment();
        latencies.computeIfAbsent(model, k -> Timer.builder("cnn.inference.latency")
                .description("classification request latency, decoding included")
                .tags("model", model)
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry)).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
