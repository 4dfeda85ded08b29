package io.cnnlab.architectures;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

import static io.cnnlab.architectures.SeedLayers.classifierHead;
import static io.cnnlab.architectures.SeedLayers.conv;
import static io.cnnlab.architectures.SeedLayers.graph;
import static io.cnnlab.architectures.SeedLayers.maxPool2x2;

/** The seed's first technique: the second 5x5 convolution split into 5x1 then 1x5, each with bias and ReLU. */
final class Factorized implements Architecture {

    @Override
    public String name() {
        return "factorized";
    }

    @Override
    public String description() {
        return "baseline with conv2 factorised into conv 5x1 + ReLU then conv 1x5 + ReLU (fewer multiplications)";
    }

    @Override
    public ComputationGraphConfiguration configuration(NetworkSettings settings) {
        var graph = graph(settings)
                .addLayer("conv1", conv(5, 5, 64), "input")
                .addLayer("pool1", maxPool2x2(), "conv1")
                .addLayer("conv2_5x1", conv(5, 1, 64), "pool1")
                .addLayer("conv2_1x5", conv(1, 5, 64), "conv2_5x1")
                .addLayer("pool2", maxPool2x2(), "conv2_1x5");
        return classifierHead(graph, "pool2", settings.classes()).build();
    }
}
