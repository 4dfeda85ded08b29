package io.cnnlab.architectures;

import java.util.List;

public class UnknownArchitectureException extends IllegalArgumentException {

    private final String name;

    public UnknownArchitectureException(String name, List<String> known) {
        super("unknown architecture '" + name + "'; known: " + String.join(", ", known));
        this.name = name;
    }

    public String name() {
        return name;
    }
}
