package io.cnnlab.architectures;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;

import static io.cnnlab.architectures.SeedLayers.classifierHead;
import static io.cnnlab.architectures.SeedLayers.conv;
import static io.cnnlab.architectures.SeedLayers.graph;
import static io.cnnlab.architectures.SeedLayers.maxPool2x2;

/** The seed's second technique: conv2 runs 1x1, 3x3, 5x5 and 7x7 kernels side by side and concatenates 4x64 maps. */
final class Multibranch implements Architecture {

    @Override
    public String name() {
        return "multibranch";
    }

    @Override
    public String description() {
        return "baseline with conv2 as four parallel convolutions (1x1, 3x3, 5x5, 7x7, 64 each) concatenated to 256 maps";
    }

    @Override
    public ComputationGraphConfiguration configuration(NetworkSettings settings) {
        var graph = graph(settings)
                .addLayer("conv1", conv(5, 5, 64), "input")
                .addLayer("pool1", maxPool2x2(), "conv1")
                .addLayer("conv2_1x1", conv(1, 1, 64), "pool1")
                .addLayer("conv2_3x3", conv(3, 3, 64), "pool1")
                .addLayer("conv2_5x5", conv(5, 5, 64), "pool1")
                .addLayer("conv2_7x7", conv(7, 7, 64), "pool1")
                .addVertex("concat", new MergeVertex(), "conv2_1x1", "conv2_3x3", "conv2_5x5", "conv2_7x7")
                .addLayer("pool2", maxPool2x2(), "concat");
        return classifierHead(graph, "pool2", settings.classes()).build();
    }
}
