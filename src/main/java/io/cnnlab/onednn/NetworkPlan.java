package io.cnnlab.onednn;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the oneDNN engine runs of a DL4J graph, in topological order: from one channels-first image input through
 * "same" convolutions (stride 1, ReLU or none, with bias), non-overlapping max pooling, batch normalisation, ReLU
 * layers and channel concatenations, to global average pooling and softmax cross-entropy. Any other vertex, option
 * or layout makes the graph unsupported, with the reason, and the trainer keeps DL4J's own path.
 *
 * @param input   the input vertex's name
 * @param nodes   every vertex between the input and the global pooling, inputs before the nodes that read them
 * @param last    the node the global average pooling reads; its channels are the classes
 */
record NetworkPlan(String input, int channels, int height, int width, List<Node> nodes, String last, int classes) {

    /** A vertex and the shape of its output (channels, height, width). */
    sealed interface Node permits Conv, Pool, Norm, Relu, Concat {
        String name();

        List<String> inputs();

        int channels();

        int height();

        int width();
    }

    /** A convolution on {@code height} x {@code width}; padding as DL4J's "same" mode puts it, the rest bottom/right. */
    record Conv(String name, String input, int in, int channels, int kernelHeight, int kernelWidth, boolean relu,
                int height, int width) implements Node {

        public List<String> inputs() {
            return List.of(input);
        }

        long[] padTopLeft() {
            return new long[]{(kernelHeight - 1) / 2, (kernelWidth - 1) / 2};
        }

        long[] padBottomRight() {
            return new long[]{kernelHeight - 1 - (kernelHeight - 1) / 2, kernelWidth - 1 - (kernelWidth - 1) / 2};
        }
    }

    /** Max pooling with a square window as wide as its stride; the shape is the output's. */
    record Pool(String name, String input, int channels, int kernel, int height, int width) implements Node {
        public List<String> inputs() {
            return List.of(input);
        }
    }

    /** Batch normalisation as DL4J's layer does it (running statistics moved by its updater; log10 std or variance). */
    record Norm(String name, String input, int channels, int height, int width, double eps, double decay,
                boolean logStd) implements Node {
        public List<String> inputs() {
            return List.of(input);
        }
    }

    record Relu(String name, String input, int channels, int height, int width) implements Node {
        public List<String> inputs() {
            return List.of(input);
        }
    }

    /** Channels of the inputs one after the other, in the order given. */
    record Concat(String name, List<String> inputs, int channels, int height, int width) implements Node {
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
        String inputName = inputs.get(0);
        Map<String, GraphVertex> vertices = configuration.getVertices();
        Map<String, List<String>> vertexInputs = configuration.getVertexInputs();
        Map<String, int[]> shapes = new HashMap<>();
        shapes.put(inputName, new int[]{(int) image.getChannels(), (int) image.getHeight(), (int) image.getWidth()});

        List<Node> nodes = new ArrayList<>();
        String pooling = null;
        String loss = null;
        for (String name : configuration.getTopologicalOrderStr()) {
            if (name.equals(inputName)) {
                continue;
            }
            if (pooling != null && loss != null) {
                throw new UnsupportedGraphException(name + " comes after the loss");
            }
            List<String> from = vertexInputs.get(name);
            GraphVertex vertex = vertices.get(name);
            if (vertex instanceof MergeVertex) {
                nodes.add(concat(name, from, shapes));
            } else if (vertex instanceof LayerVertex layerVertex) {
                Layer layer = layerVertex.getLayerConf().getLayer();
                if (from.size() != 1) {
                    throw new UnsupportedGraphException(name + " reads " + from.size() + " vertices");
                }
                if (layer.getIDropout() != null) {
                    throw new UnsupportedGraphException(name + " has dropout");
                }
                if (layer instanceof GlobalPoolingLayer average && pooling == null) {
                    if (average.getPoolingType() != PoolingType.AVG || !average.isCollapseDimensions()) {
                        throw new UnsupportedGraphException(name + " is not a global average pooling");
                    }
                    pooling = name;
                    continue;
                }
                if (layer instanceof LossLayer output && pooling != null && loss == null) {
                    if (!from.equals(List.of(pooling)) || !(output.getActivationFn() instanceof ActivationSoftmax)
                            || !(output.getLossFn() instanceof LossMCXENT mcxent) || mcxent.getWeights() != null) {
                        throw new UnsupportedGraphException("the head is not softmax cross-entropy on " + pooling);
                    }
                    loss = name;
                    continue;
                }
                if (pooling != null) {
                    throw new UnsupportedGraphException(name + " comes after the global pooling");
                }
                int[] in = shapes.get(from.get(0));
                if (in == null) {
                    throw new UnsupportedGraphException(name + " reads " + from.get(0) + ", which is not an image");
                }
                nodes.add(layerNode(name, from.get(0), layer, in));
            } else {
                throw new UnsupportedGraphException(name + " is a " + vertex.getClass().getSimpleName());
            }
            Node made = nodes.get(nodes.size() - 1);
            shapes.put(name, new int[]{made.channels(), made.height(), made.width()});
        }
        if (pooling == null || loss == null || !configuration.getNetworkOutputs().equals(List.of(loss))) {
            throw new UnsupportedGraphException("the graph does not end in global average pooling and softmax");
        }
        List<String> pooled = vertexInputs.get(pooling);
        if (pooled.size() != 1 || !shapes.containsKey(pooled.get(0)) || pooled.get(0).equals(inputName)) {
            throw new UnsupportedGraphException("the global pooling does not read one node");
        }
        checkEveryNodeIsRead(nodes, pooled.get(0));
        return new NetworkPlan(inputName, shapes.get(inputName)[0], shapes.get(inputName)[1], shapes.get(inputName)[2],
                List.copyOf(nodes), pooled.get(0), shapes.get(pooled.get(0))[0]);
    }

    private static Node layerNode(String name, String from, Layer layer, int[] in) throws UnsupportedGraphException {
        int channels = in[0];
        int height = in[1];
        int width = in[2];
        if (layer.getClass() == ConvolutionLayer.class) {
            ConvolutionLayer conv = (ConvolutionLayer) layer;
            checkConvolution(name, conv, channels);
            return new Conv(name, from, channels, (int) conv.getNOut(), conv.getKernelSize()[0],
                    conv.getKernelSize()[1], conv.getActivationFn() instanceof ActivationReLU, height, width);
        }
        if (layer.getClass() == SubsamplingLayer.class) {
            SubsamplingLayer pool = (SubsamplingLayer) layer;
            int kernel = pool.getKernelSize()[0];
            if (pool.getPoolingType() != PoolingType.MAX || pool.getCnn2dDataFormat() != CNN2DFormat.NCHW
                    || !Arrays.equals(pool.getKernelSize(), new int[]{kernel, kernel})
                    || !Arrays.equals(pool.getStride(), pool.getKernelSize())
                    || !Arrays.equals(pool.getPadding(), new int[]{0, 0})
                    || !Arrays.equals(pool.getDilation(), new int[]{1, 1})
                    || height % kernel != 0 || width % kernel != 0) {
                throw new UnsupportedGraphException(name + " is not a non-overlapping max pooling that tiles "
                        + height + "x" + width);
            }
            return new Pool(name, from, channels, kernel, height / kernel, width / kernel);
        }
        if (layer.getClass() == BatchNormalization.class) {
            BatchNormalization norm = (BatchNormalization) layer;
            if (norm.isLockGammaBeta() || norm.getCnn2DFormat() != CNN2DFormat.NCHW
                    || hasRegularisation(norm)) {
                throw new UnsupportedGraphException(name + " is not a plain channels-first batch normalisation");
            }
            return new Norm(name, from, channels, height, width, norm.getEps(), norm.getDecay(), norm.isUseLogStd());
        }
        if (layer.getClass() == ActivationLayer.class) {
            if (!(((ActivationLayer) layer).getActivationFn() instanceof ActivationReLU)) {
                throw new UnsupportedGraphException(name + " is not a ReLU");
            }
            return new Relu(name, from, channels, height, width);
        }
        throw new UnsupportedGraphException(name + " is a " + layer.getClass().getSimpleName());
    }

    private static Node concat(String name, List<String> from, Map<String, int[]> shapes)
            throws UnsupportedGraphException {
        int channels = 0;
        int[] first = shapes.get(from.get(0));
        for (String input : from) {
            int[] shape = shapes.get(input);
            if (shape == null || first == null || shape[1] != first[1] || shape[2] != first[2]) {
                throw new UnsupportedGraphException(name + " merges inputs of different sizes");
            }
            channels += shape[0];
        }
        if (from.size() < 2 || new java.util.HashSet<>(from).size() != from.size()) {
            throw new UnsupportedGraphException(name + " does not merge distinct inputs");
        }
        return new Concat(name, List.copyOf(from), channels, first[1], first[2]);
    }

    /** A node nothing reads would be computed for nothing; DL4J's graph does not have one either. */
    private static void checkEveryNodeIsRead(List<Node> nodes, String last) throws UnsupportedGraphException {
        for (Node node : nodes) {
            boolean read = node.name().equals(last)
                    || nodes.stream().anyMatch(other -> other.inputs().contains(node.name()));
            if (!read) {
                throw new UnsupportedGraphException(node.name() + " is read by nothing the loss depends on");
            }
        }
    }

    private static void checkConvolution(String name, ConvolutionLayer conv, int channels)
            throws UnsupportedGraphException {
        if (conv.getConvolutionMode() != ConvolutionMode.Same || !Arrays.equals(conv.getStride(), new int[]{1, 1})
                || !Arrays.equals(conv.getDilation(), new int[]{1, 1}) || !conv.hasBias()
                || conv.getCnn2dDataFormat() != CNN2DFormat.NCHW || conv.getNIn() != channels) {
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

    /** How many nodes read {@code name} (the global pooling counts for {@link #last}). */
    int readers(String name) {
        int count = name.equals(last) ? 1 : 0;
        for (Node node : nodes) {
            for (String input : node.inputs()) {
                if (input.equals(name)) {
                    count++;
                }
            }
        }
        return count;
    }
}
