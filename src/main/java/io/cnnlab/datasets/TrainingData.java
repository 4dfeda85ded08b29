package io.cnnlab.datasets;

import org.springframework.stereotype.Component;

/** CIFAR-10, read once on first use and kept (about 180 MB of heap) for every job after. */
@Component
public class TrainingData {

    private final Cifar10Source source;
    private Cifar10 loaded;

    TrainingData(Cifar10Source source) {
        this.source = source;
    }

    public synchronized Cifar10 cifar10() {
        if (loaded == null) {
            loaded = source.load();
        }
        return loaded;
    }

    public boolean available() {
        return loaded != null || source.isAvailable();
    }

    public String location() {
        return source.location().toAbsolutePath().toString();
    }
}
