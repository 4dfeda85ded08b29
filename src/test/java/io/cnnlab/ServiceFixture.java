package io.cnnlab;

import io.cnnlab.datasets.CifarFixtures;
import org.springframework.test.context.DynamicPropertyRegistry;

import java.nio.file.Path;

/**
 * The service's configuration for tests: state in a temporary directory, small generated CIFAR-10, no download.
 * Each test class using it is {@code @DirtiesContext}: its context (training workers included) must stop writing
 * into the class's temp dir before JUnit deletes that dir, or the deletion races a checkpoint write and fails.
 */
public final class ServiceFixture {

    private ServiceFixture() {
    }

    /** Generates {@code perFile} records per batch file under {@code home/data} and points the service at them. */
    public static void withGeneratedData(DynamicPropertyRegistry registry, Path home, int perFile, long seed) {
        Path data = CifarFixtures.writeDirectory(home.resolve("data"), perFile, seed);
        withData(registry, home, data);
    }

    public static void withData(DynamicPropertyRegistry registry, Path home, Path data) {
        registry.add("cnn.home", home::toString);
        // loopback: without keys the service refuses to listen beyond it
        registry.add("server.address", () -> "127.0.0.1");
        registry.add("cnn.data-dir", data::toString);
        registry.add("cnn.dataset.download", () -> "false");
    }
}
