package io.cnnlab.architectures;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The registry of network variants users can train, in the order the seed introduces them. */
public final class Architectures {

    private final Map<String, Architecture> byName = new LinkedHashMap<>();

    public Architectures(List<Architecture> architectures) {
        for (Architecture architecture : architectures) {
            if (byName.putIfAbsent(architecture.name(), architecture) != null) {
                throw new IllegalArgumentException("two architectures named " + architecture.name());
            }
        }
    }

    /** The seed's four networks. */
    public static Architectures seed() {
        return new Architectures(List.of(new Baseline(), new Factorized(), new Multibranch(), new Batchnorm()));
    }

    /**
     * The seed's four networks, the one that combines their techniques, and that one with each technique switched
     * off (its ablation): what the service offers.
     */
    public static Architectures offered() {
        return new Architectures(List.of(new Baseline(), new Factorized(), new Multibranch(), new Batchnorm(),
                new Combined(), Combined.withoutBatchNorm(), Combined.withoutFactorisation(), Combined.withSingleBranch()));
    }

    public List<Architecture> all() {
        return List.copyOf(byName.values());
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    public Optional<Architecture> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Architecture get(String name) {
        return find(name).orElseThrow(() -> new UnknownArchitectureException(name, names()));
    }
}
