package io.cnnlab;

import io.cnnlab.datasets.CifarFixtures;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.util.FileSystemUtils;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one set-up of tests that run the service as a child JVM ({@code @RegisterExtension}): a state directory of
 * its own with generated CIFAR-10 data, and after each test the process stopped before that directory is deleted
 * (in that order, so a checkpoint written at the last moment cannot race the deletion).
 */
public final class ChildServices implements AfterEachCallback {

    private final List<ChildService> started = new ArrayList<>();
    private final List<Path> homes = new ArrayList<>();

    /** A service (not yet started) on {@code perFile} generated records per CIFAR-10 batch file. */
    public ChildService create(int perFile, long seed, List<String> jvmOptions, List<String> arguments) throws IOException {
        Path home = Files.createTempDirectory("cnn-child-");
        homes.add(home);
        Path data = CifarFixtures.writeDirectory(home.resolve("data"), perFile, seed);
        ChildService service = new ChildService(home, data, jvmOptions, arguments);
        started.add(service);
        return service;
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        close();
    }

    /** Stops every service and deletes their directories; for a class that keeps its services across tests. */
    public void close() throws IOException {
        for (ChildService service : started) {
            service.close();
        }
        started.clear();
        for (Path home : homes) {
            FileSystemUtils.deleteRecursively(home);
        }
        homes.clear();
    }
}
