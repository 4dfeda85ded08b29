package io.cnnlab.web;

import io.cnnlab.inference.Images;
import tools.jackson.databind.JsonNode;

import java.util.function.DoubleConsumer;

/** The numbers of a flat or nested JSON array, row-major; counted by a walk, never copied in bulk. */
record JsonNumbers(JsonNode data) implements Images.Values {

    @Override
    public long count() {
        if (data == null) {
            throw new InvalidRequestException("input data is missing");
        }
        return count(data);
    }

    private static long count(JsonNode node) {
        if (node.isArray()) {
            long n = 0;
            for (JsonNode child : node) {
                n += count(child);
            }
            return n;
        }
        if (!node.isNumber()) {
            throw new InvalidRequestException("input data must be numbers");
        }
        return 1;
    }

    @Override
    public void forEach(DoubleConsumer each) {
        walk(data, each);
    }

    private static void walk(JsonNode node, DoubleConsumer each) {
        if (node.isArray()) {
            for (JsonNode child : node) {
                walk(child, each);
            }
        } else {
            each.accept(node.asDouble());
        }
    }
}
