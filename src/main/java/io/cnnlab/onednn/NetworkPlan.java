package io.cnnlab.onednn;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the oneDNN engine runs of a DL4J graph: a chain from the image input through "same" convolutions (stride 1,
 * ReLU or none, with bias) and non-overlapping max pooling to global average pooling and softmax cross-entropy. Any
 * other vertex, option or layout makes the graph unsupported, with the reason, and the trainer keeps DL4J's own path.
 */
record NetworkPlan(int channels, int height, int width, List<Stage> stages, int classes) {

    sealed interface Stage permits Conv, Pool {
        String name();
    }

    /** A convolution; {@code padTop}/{@code padLeft} as DL4J's "same" mode puts them, the rest bottom/right. */
    record Conv(String name, int in, int out, int kernelHeight, int kernelWidth, boolean relu, int height, int width)
            implements Stage {

        int padTop() {
            return (kernelHeight - 1) / 2;
        }

        int padLeft() {
            return (kernelWidth - 1) / 2;
        }

        int padBottom() {
            return kernelHeight - 1 - padTop();
        }

        int padRight() {
            return kernelWidth - 1 - padLeft();
        }
    }

    /** Max pooling with a square window as wide as its stride, on input of {@code height} x {@code width}. */
    record Pool(String name, int channels, int kernel, int height, int width) implements Stage {
    }

    /** Thrown by {@link #of} with what keeps a graph on DL4J's path. */
    static final class UnsupportedGraphException extends Exception {
        UnsupportedGraphException(String message) {
            super(message);
        }
    }

    static NetworkPlan of(ComputationGraphConfiguration configuration, InputType input)
            throws UnsupportedGraphException {
        List<String> inputs = configuration.getNetworkInputs();
        if (inputs.size() != 1 || configuration.getNetworkOutputs().size() != 1) {
            throw new UnsupportedGraphException("more than one input or output");
        }
        if (!(input instanceof InputType.InputTypeConvolutional image) || image.getFormat() != CNN2DFormat.NCHW) {
            throw new UnsupportedGraphException("the input is not a channels-first image");
        }
        Map<String, GraphVertex> vertices = configuration.getVertices();
        Map<String, List<String>> vertexInputs = configuration.getVertexInputs();
        int channels = (int) image.getChannels();
        int height = (int) image.getHeight();
        int width = (int) image.getWidth();

        List<Stage> stages = new ArrayList<>();
        String previous = inputs.get(0);
        String current = single(vertexInputs, vertices, previous);
        int depth = channels;
        int h = height;
        int w = width;
        while (current != null && layer(vertices, current) != null
                && !(layer(vertices, current) instanceof GlobalPoolingLayer)) {
            Layer layer = layer(vertices, current);
            if (!List.of(previous).equals(vertexInputs.get(current))) {
                throw new UnsupportedGraphException(current + " does not read only " + previous);
            }
            if (layer.getIDropout() != null) {
                throw new UnsupportedGraphException(current + " has dropout");
            }
            if (layer.getClass() == ConvolutionLayer.class) {
                ConvolutionLayer conv = (ConvolutionLayer) layer;
                checkConvolution(current, conv);
                int out = (int) conv.getNOut();
                stages.add(new Conv(current, depth, out, conv.getKernelSize()[0], conv.getKernelSize()[1],
                        conv.getActivationFn() instanceof ActivationReLU, h, w));
                depth = out;
            } else if (layer.getClass() == SubsamplingLayer.class) {
                SubsamplingLayer pool = (SubsamplingLayer) layer;
                int kernel = pool.getKernelSize()[0];
                if (pool.getPoolingType() != PoolingType.MAX || pool.getCnn2dDataFormat() != CNN2DFormat.NCHW
                        || !Arrays.equals(pool.getKernelSize(), new int[]{kernel, kernel})
                        || !Arrays.equals(pool.getStride(), pool.getKernelSize())
                        || !Arrays.equals(pool.getPadding(), new int[]{0, 0})
                        || !Arrays.equals(pool.getDilation(), new int[]{1, 1})
                        || h % kernel != 0 || w % kernel != 0) {
                    throw new UnsupportedGraphException(current + " is not a non-overlapping max pooling that tiles "
                            + h + "x" + w);
                }
                stages.add(new Pool(current, depth, kernel, h, w));
                h /= kernel;
                w /= kernel;
            } else {
                throw new UnsupportedGraphException(current + " is a " + layer.getClass().getSimpleName());
            }
            previous = current;
            current = single(vertexInputs, vertices, current);
        }
        if (stages.isEmpty() || !(stages.get(stages.size() - 1) instanceof Conv)) {
            throw new UnsupportedGraphException("the graph does not end in a convolution before its pooling head");
        }
        if (current == null || !(layer(vertices, current) instanceof GlobalPoolingLayer average)
                || average.getPoolingType() != PoolingType.AVG || !average.isCollapseDimensions()
                || !List.of(previous).equals(vertexInputs.get(current))) {
            throw new UnsupportedGraphException("no global average pooling after " + previous);
        }
        String pooled = current;
        String loss = single(vertexInputs, vertices, pooled);
        if (loss == null || !(layer(vertices, loss) instanceof LossLayer output)
                || !List.of(pooled).equals(vertexInputs.get(loss))
                || !(output.getActivationFn() instanceof ActivationSoftmax)
                || !(output.getLossFn() instanceof LossMCXENT mcxent) || mcxent.getWeights() != null
                || !configuration.getNetworkOutputs().equals(List.of(loss))) {
            throw new UnsupportedGraphException("the head is not softmax cross-entropy on " + pooled);
        }
        return new NetworkPlan(channels, height, width, List.copyOf(stages), depth);
    }

    private static void checkConvolution(String name, ConvolutionLayer conv) throws UnsupportedGraphException {
        if (conv.getConvolutionMode() != ConvolutionMode.Same || !Arrays.equals(conv.getStride(), new int[]{1, 1})
                || !Arrays.equals(conv.getDilation(), new int[]{1, 1}) || !conv.hasBias()
                || conv.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            throw new UnsupportedGraphException(name + " is not a biased \"same\" convolution with stride 1");
        }
        if (!(conv.getActivationFn() instanceof ActivationReLU) && !(conv.getActivationFn() instanceof ActivationIdentity)) {
            throw new UnsupportedGraphException(name + " has activation " + conv.getActivationFn());
        }
        if (hasRegularisation(conv) || conv.getWeightNoise() != null) {
            throw new UnsupportedGraphException(name + " has regularisation or weight noise");
        }
    }

    private static boolean hasRegularisation(BaseLayer layer) {
        return (layer.getRegularization() != null && !layer.getRegularization().isEmpty())
                || (layer.getRegularizationBias() != null && !layer.getRegularizationBias().isEmpty());
    }

    private static Layer layer(Map<String, GraphVertex> vertices, String name) {
        return vertices.get(name) instanceof LayerVertex vertex ? vertex.getLayerConf().getLayer() : null;
    }

    /** The one vertex that reads {@code name}; null when none does; unsupported when several do. */
    private static String single(Map<String, List<String>> vertexInputs, Map<String, GraphVertex> vertices, String name)
            throws UnsupportedGraphException {
        String reader = null;
        for (var entry : vertexInputs.entrySet()) {
            if (entry.getValue().contains(name)) {
                if (reader != null) {
                    throw new UnsupportedGraphException(name + " feeds more than one vertex");
                }
                reader = entry.getKey();
            }
        }
        if (reader != null && !(vertices.get(reader) instanceof LayerVertex)) {
            throw new UnsupportedGraphException(reader + " is a " + vertices.get(reader).getClass().getSimpleName());
        }
        return reader;
    }
}
