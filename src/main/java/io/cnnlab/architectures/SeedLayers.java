package io.cnnlab.architectures;

import io.cnnlab.networks.InputDescription;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.TruncatedNormalDistribution;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The building blocks the seed's networks share, so each architecture class only says what differs.
 *
 * <p>Everything is channels-first (NCHW): with DL4J's oneDNN helpers, NHWC training computes wrong gradients.
 */
final class SeedLayers {

    static final InputType INPUT = InputDescription.SEED.inputType();

    /** The seed's classifier convolution. */
    static final String CLASSIFIER = "conv3";

    /** TensorFlow's batch_norm default epsilon, which the seed uses. */
    static final double BATCH_NORM_EPS = 1e-3;

    /** The seed's moving-average decay. */
    static final double BATCH_NORM_DECAY = 0.9;

    private SeedLayers() {
    }

    static GraphBuilder graph(NetworkSettings settings) {
        return new NeuralNetConfiguration.Builder()
                .seed(settings.seed())
                .dataType(DataType.FLOAT)
                .updater(settings.updater())
                .weightInit(new WeightInitDistribution(
                        new TruncatedNormalDistribution(0, settings.weightStddev())))
                .biasInit(settings.biasInit())
                .convolutionMode(ConvolutionMode.Same)
                // without it each convolution computes its forward pass again in backprop (docs/performance.md,
                // "PyTorch peer"); the cached result is the same arithmetic (ForwardCacheTest)
                .cacheMode(CacheMode.DEVICE)
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(INPUT);
    }

    static ConvolutionLayer conv(int kernelHeight, int kernelWidth, int filters, Activation activation) {
        return new ConvolutionLayer.Builder(kernelHeight, kernelWidth)
                .stride(1, 1)
                .nOut(filters)
                .activation(activation)
                .dataFormat(CNN2DFormat.NCHW)
                .build();
    }

    static ConvolutionLayer conv(int kernelHeight, int kernelWidth, int filters) {
        return conv(kernelHeight, kernelWidth, filters, Activation.RELU);
    }

    static SubsamplingLayer maxPool2x2() {
        return new SubsamplingLayer.Builder(PoolingType.MAX)
                .kernelSize(2, 2)
                .stride(2, 2)
                .dataFormat(CNN2DFormat.NCHW)
                .build();
    }

    static BatchNormalization batchNorm() {
        return new BatchNormalization.Builder()
                .decay(BATCH_NORM_DECAY)
                .eps(BATCH_NORM_EPS)
                .dataFormat(CNN2DFormat.NCHW)
                .build();
    }

    static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }

    /**
     * conv3 (5x5 to one map per class, ReLU as in the seed), global average pooling to one value per class, softmax
     * with cross-entropy. There is no dense layer: the seed classifies straight from the pooled maps.
     */
    static GraphBuilder classifierHead(GraphBuilder graph, String input, int classes) {
        return graph
                .addLayer(CLASSIFIER, conv(5, 5, classes), input)
                .addLayer("avgpool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), CLASSIFIER)
                .addLayer("output", new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).build(), "avgpool")
                .setOutputs("output");
    }
}
