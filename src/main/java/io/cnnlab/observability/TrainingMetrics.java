package io.cnnlab.observability;

import io.cnnlab.jobs.JobEpochCompleted;
import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.JobStateChanged;
import io.cnnlab.jobs.TrainingJobs;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.bytedeco.javacpp.Pointer;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The training meters (prefix {@code cnn.}, exported as {@code cnn_...}); the catalogue is in docs/operations.md.
 */
@Component
class TrainingMetrics {

    private final MeterRegistry registry;
    private final TrainingJobs jobs;
    private final Map<String, AtomicReference<Double>> testAccuracy = new ConcurrentHashMap<>();
    private volatile Map<JobState, Long> counts;
    private volatile long countedAt;

    TrainingMetrics(MeterRegistry registry, TrainingJobs jobs) {
        this.registry = registry;
        this.jobs = jobs;
        for (JobState state : JobState.values()) {
            Gauge.builder("cnn.training.jobs", () -> counts().get(state))
                    .description("training jobs by state").tag("state", state.name()).register(registry);
        }
        Gauge.builder("cnn.training.queue.depth", () -> counts().get(JobState.QUEUED))
                .description("jobs waiting for a worker").register(registry);
        // ND4J 1.0.0-M2.1 allocates its arrays natively, out of JavaCPP's sight (Pointer.totalBytes stays ~0): the
        // resident size is the one honest measure of its memory, and maxphysicalbytes the cap JavaCPP enforces
        Gauge.builder("cnn.process.physical.max.bytes", Pointer::maxPhysicalBytes).baseUnit("bytes")
                .description("JavaCPP's cap on the process's resident memory (org.bytedeco.javacpp.maxphysicalbytes); "
                        + "allocations beyond it fail with OutOfMemoryError").register(registry);
        Gauge.builder("cnn.process.physical.bytes", Pointer::physicalBytes).baseUnit("bytes")
                .description("resident memory of the process as JavaCPP measures it").register(registry);
    }

    /** One database query per scrape at most once a second, not one per gauge. */
    private Map<JobState, Long> counts() {
        long now = System.nanoTime();
        Map<JobState, Long> current = counts;
        if (current == null || now - countedAt > 1_000_000_000L) {
            current = jobs.countByState();
            counts = current;
            countedAt = now;
        }
        return current;
    }

    @EventListener
    void onStateChange(JobStateChanged change) {
        counts = null;
        Tags tags = Tags.of("job", change.job().id(), "architecture", change.job().architecture());
        if (change.to() == JobState.RUNNING) {
            Gauge.builder("cnn.training.images.per.second", jobs,
                            j -> j.liveProgress(change.job().id()).map(p -> p.imagesPerSecond()).orElse(Double.NaN))
                    .description("training throughput of a running job").tags(tags).register(registry);
        } else if (change.from() == JobState.RUNNING) {
            var gauge = registry.find("cnn.training.images.per.second").tags(tags).gauge();
            if (gauge != null) {
                registry.remove(gauge);
            }
        }
        if (change.to().isFinal()) {
            forget(change.job().id());
        }
    }

    /** A finished job's figures live in its history (GET .../metrics), not as a series per job forever. */
    private void forget(String jobId) {
        testAccuracy.remove(jobId);
        for (Meter meter : registry.find("cnn.training.test.accuracy").tag("job", jobId).meters()) {
            registry.remove(meter);
        }
        for (Meter meter : registry.find("cnn.training.images.per.second").tag("job", jobId).meters()) {
            registry.remove(meter);
        }
    }

    @EventListener
    void onEpoch(JobEpochCompleted event) {
        String architecture = event.job().architecture();
        Timer.builder("cnn.training.epoch.seconds").description("wall time of a training epoch, evaluation included")
                .tag("architecture", architecture).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(100)).maximumExpectedValue(Duration.ofHours(2))
                .register(registry).record(Duration.ofMillis(Math.round(event.epoch().seconds() * 1000)));
        testAccuracy.computeIfAbsent(event.job().id(), id -> {
            AtomicReference<Double> value = new AtomicReference<>(Double.NaN);
            Gauge.builder("cnn.training.test.accuracy", value, AtomicReference::get)
                    .description("test-set accuracy after the job's latest epoch")
                    .tags("job", id, "architecture", architecture).register(registry);
            return value;
        }).set(event.epoch().testAccuracy());
    }
}
