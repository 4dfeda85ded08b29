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

    /** Meters are built once per model version (and outcome), not on every request. */
    void request(String model, int version, String outcome, long nanos) {
        String key = model + "/" + version;
        counters.computeIfAbsent(key + "/" + outcome, k -> Counter.builder("cnn.inference.requests")
                .description("classification requests by outcome")
                .tags("model", model, "version", String.valueOf(version), "outcome", outcome)
                .register(registry)).increment();
        latencies.computeIfAbsent(key, k -> Timer.builder("cnn.inference.latency")
                .description("classification request latency, decoding included")
                .tags("model", model, "version", String.valueOf(version))
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry)).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
