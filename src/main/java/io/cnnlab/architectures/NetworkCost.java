package io.cnnlab.architectures;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parameters and forward multiply-accumulates (MACs) per image, computed from a network's configuration.
 *
 * <p>MACs count what costs multiplications: a convolution costs output height x width x kernel height x width x
 * input channels x filters; batch normalisation one per activation (scale and shift fold into one multiply-add at
 * inference). Pooling, ReLU, concatenation and softmax are counted as free. With this rule a 3x3 SAME convolution
 * over a 5x2 single-channel image costs 5*2*9 = 90 and 3x1 then 1x3 costs 30 + 30 = 60, the seed's arithmetic.
 *
 * @param layers          every vertex in graph order
 * @param parameters      all parameters DL4J stores, batch norm's running mean and variance included
 * @param trainableParameters parameters the optimiser updates
 * @param macs            forward multiply-accumulates for one image
 */
public record NetworkCost(List<LayerCost> layers, long parameters, long trainableParameters, long macs) {

    /**
     * One row of the layer table.
     *
     * @param name   vertex name in the graph
     * @param type   layer or vertex type, e.g. {@code ConvolutionLayer}
     * @param kernel kernel size as {@code HxW}, empty where there is none
     * @param output activation shape as channels x height x width (or size for flat outputs)
     */
    public record LayerCost(String name, String type, String kernel, String output, long parameters,
                            long trainableParameters, long macs) {
    }

    public static NetworkCost of(ComputationGraphConfiguration configuration, InputType input) {
        Map<String, InputType> outputs = configuration.getLayerActivationTypes(input);
        List<LayerCost> rows = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> entry : configuration.getVertices().entrySet()) {
            String name = entry.getKey();
            InputType output = outputs.get(name);
            rows.add(entry.getValue() instanceof LayerVertex layerVertex
                    ? layerCost(name, layerVertex.getLayerConf(), output)
                    : new LayerCost(name, entry.getValue().getClass().getSimpleName(), "", shape(output), 0, 0, 0));
        }
        return new NetworkCost(List.copyOf(rows),
                rows.stream().mapToLong(LayerCost::parameters).sum(),
                rows.stream().mapToLong(LayerCost::trainableParameters).sum(),
                rows.stream().mapToLong(LayerCost::macs).sum());
    }

    private static LayerCost layerCost(String name, NeuralNetConfiguration conf, InputType output) {
        Layer layer = conf.getLayer();
        long parameters = layer.initializer().numParams(conf);
        long trainable = parameters;
        long macs = 0;
        String kernel = "";
        if (layer instanceof ConvolutionLayer conv) {
            int[] k = conv.getKernelSize();
            kernel = k[0] + "x" + k[1];
            macs = spatialSize(output) * k[0] * k[1] * conv.getNIn() * conv.getNOut();
        } else if (layer instanceof BatchNormalization bn) {
            // running mean and variance are stored as parameters but never trained
            trainable = bn.isLockGammaBeta() ? 0 : 2 * bn.getNOut();
            macs = spatialSize(output) * bn.getNOut();
        }
        return new LayerCost(name, layer.getClass().getSimpleName(), kernel, shape(output), parameters, trainable,
                macs);
    }

    private static long spatialSize(InputType type) {
        return type instanceof InputType.InputTypeConvolutional c ? c.getHeight() * c.getWidth() : 1;
    }

    private static String shape(InputType type) {
        if (type instanceof InputType.InputTypeConvolutional c) {
            return c.getChannels() + "x" + c.getHeight() + "x" + c.getWidth();
        }
        return type == null ? "" : String.valueOf(type.arrayElementsPerExample());
    }
}
