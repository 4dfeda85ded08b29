package io.cnnlab.architectures;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static io.cnnlab.architectures.SeedLayers.batchNorm;
import static io.cnnlab.architectures.SeedLayers.conv;
import static io.cnnlab.architectures.SeedLayers.graph;
import static io.cnnlab.architectures.SeedLayers.maxPool2x2;
import static io.cnnlab.architectures.SeedLayers.relu;

/**
 * The three techniques together, as Inception-v3 combines them: multi-branch blocks whose larger kernels are
 * factorised (3x3 into 3x1 + 1x3, 5x5 into 5x1 + 1x5, 7x7 into 7x1 + 1x7) behind 1x1 reductions, and batch
 * normalisation between every convolution and its ReLU. The classifier keeps the seed's shape (a convolution to
 * 10 maps, global average pooling) but without the seed's ReLU before the pooling, which clips negative evidence.
 */
public final class Combined implements Architecture {

    @Override
    public String name() {
        return "combined";
    }

    @Override
    public String description() {
        return "factorised multi-branch blocks (1x1, 3x1+1x3, 5x1+1x5, 7x1+1x7) with batch normalisation after every "
                + "convolution: 5x1+1x5 stem, two blocks at 12x12, one at 6x6, no ReLU before global average pooling";
    }

    @Override
    public ComputationGraphConfiguration configuration(NetworkSettings settings) {
        GraphBuilder graph = graph(settings);
        String x = convBnRelu(graph, "stem_5x1", 5, 1, 48, "input");
        x = convBnRelu(graph, "stem_1x5", 1, 5, 64, x);
        graph.addLayer("pool1", maxPool2x2(), x);
        x = inception(graph, "a1", "pool1", 48, 32);   // 12x12: 4 x 48 = 192 maps
        x = inception(graph, "a2", x, 48, 32);
        graph.addLayer("pool2", maxPool2x2(), x);
        x = inception(graph, "b1", "pool2", 96, 64);   // 6x6: 4 x 96 = 384 maps
        graph.addLayer("logits", conv(1, 1, Architecture.CLASSES, Activation.IDENTITY), x)
                .addLayer("avgpool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "logits")
                .addLayer("output", new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).build(), "avgpool")
                .setOutputs("output");
        return graph.build();
    }

    /** Four branches of {@code width} maps each: 1x1, and k x 1 then 1 x k (k = 3, 5, 7) behind a 1x1 reduction. */
    private static String inception(GraphBuilder graph, String name, String input, int width, int reduction) {
        String b1 = convBnRelu(graph, name + "_1x1", 1, 1, width, input);
        String[] branches = {b1, null, null, null};
        int[] kernels = {3, 5, 7};
        for (int i = 0; i < kernels.length; i++) {
            int k = kernels[i];
            String reduce = convBnRelu(graph, name + "_" + k + "_reduce", 1, 1, reduction, input);
            String tall = convBnRelu(graph, name + "_" + k + "x1", k, 1, width, reduce);
            branches[i + 1] = convBnRelu(graph, name + "_1x" + k, 1, k, width, tall);
        }
        graph.addVertex(name, new MergeVertex(), branches);
        return name;
    }

    private static String convBnRelu(GraphBuilder graph, String name, int kh, int kw, int filters, String input) {
        graph.addLayer(name, conv(kh, kw, filters, Activation.IDENTITY), input)
                .addLayer(name + "_bn", batchNorm(), name)
                .addLayer(name + "_relu", relu(), name + "_bn");
        return name + "_relu";
    }
}
