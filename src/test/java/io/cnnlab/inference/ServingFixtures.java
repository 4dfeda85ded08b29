package io.cnnlab.inference;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.architectures.NetworkSettings;
import io.cnnlab.datasets.Cifar10;
import io.cnnlab.models.ModelVersion;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Model versions, networks and settings for the serving tests (no Spring, no files). */
final class ServingFixtures {

    private ServingFixtures() {
    }

    static ModelVersion version(String name, int version) {
        return new ModelVersion(name, version, "baseline", "TRAINED", null, 1L, 0.5, 123_338, Cifar10.CLASSES, 100,
                "ab".repeat(32), null, Instant.parse("2026-11-27T10:00:00Z"), List.of());
    }

    static ComputationGraph network() {
        ComputationGraph net = new ComputationGraph(Architectures.seed().get("baseline").configuration(NetworkSettings.defaults()));
        net.init();
        return net;
    }

    static InferenceProperties properties(int maxLoadedModels, int decodeThreads, Duration decodeWait) {
        return new InferenceProperties(DataSize.ofKilobytes(200), DataSize.ofMegabytes(64), 40_000_000, 64, 64,
                Duration.ofMillis(2), 1024, maxLoadedModels, DataSize.ofMegabytes(200), DataSize.ofGigabytes(1), 1,
                decodeThreads, decodeWait);
    }
}
