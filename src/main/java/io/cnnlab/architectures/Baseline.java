package io.cnnlab.architectures;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

import static io.cnnlab.architectures.SeedLayers.classifierHead;
import static io.cnnlab.architectures.SeedLayers.conv;
import static io.cnnlab.architectures.SeedLayers.graph;
import static io.cnnlab.architectures.SeedLayers.maxPool2x2;

/** The book's CIFAR-10 network: two 5x5 convolutions with max pooling, a 5x5 convolution to 10 maps, average pool. */
final class Baseline implements Architecture {

    @Override
    public String name() {
        return "baseline";
    }

    @Override
    public String description() {
        return "conv 5x5 (64) > maxpool > conv 5x5 (64) > maxpool > conv 5x5 (10) > global average pool > softmax";
    }

    @Override
    public ComputationGraphConfiguration configuration(NetworkSettings settings) {
        var graph = graph(settings)
                .addLayer("conv1", conv(5, 5, 64), "input")
                .addLayer("pool1", maxPool2x2(), "conv1")
                .addLayer("conv2", conv(5, 5, 64), "pool1")
                .addLayer("pool2", maxPool2x2(), "conv2");
        return classifierHead(graph, "pool2", settings.classes()).build();
    }
}
