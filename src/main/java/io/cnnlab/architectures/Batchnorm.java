package io.cnnlab.architectures;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.nd4j.linalg.activations.Activation;

import static io.cnnlab.architectures.SeedLayers.batchNorm;
import static io.cnnlab.architectures.SeedLayers.classifierHead;
import static io.cnnlab.architectures.SeedLayers.conv;
import static io.cnnlab.architectures.SeedLayers.graph;
import static io.cnnlab.architectures.SeedLayers.maxPool2x2;
import static io.cnnlab.architectures.SeedLayers.relu;

/**
 * The seed's third technique: batch normalisation (decay 0.9) between conv+bias and ReLU in conv1 and conv2.
 * Batch statistics while training, moving averages at inference: DL4J switches on its train flag like the seed's.
 */
final class Batchnorm implements Architecture {

    @Override
    public String name() {
        return "batchnorm";
    }

    @Override
    public String description() {
        return "baseline with batch normalisation (decay 0.9) after conv1 and conv2, before their ReLU";
    }

    /** The seed's batch-norm run: 0.04, x0.9 every 1,000 steps. */
    @Override
    public Recipe recipe() {
        return Recipe.SEED.withLearningRate(new LearningRate(0.04, 0.9, 1000));
    }

    @Override
    public ComputationGraphConfiguration configuration(NetworkSettings settings) {
        var graph = graph(settings)
                .addLayer("conv1", conv(5, 5, 64, Activation.IDENTITY), "input")
                .addLayer("bn1", batchNorm(), "conv1")
                .addLayer("relu1", relu(), "bn1")
                .addLayer("pool1", maxPool2x2(), "relu1")
                .addLayer("conv2", conv(5, 5, 64, Activation.IDENTITY), "pool1")
                .addLayer("bn2", batchNorm(), "conv2")
                .addLayer("relu2", relu(), "bn2")
                .addLayer("pool2", maxPool2x2(), "relu2");
        return classifierHead(graph, "pool2", settings.classes()).build();
    }
}
