package io.cnnlab.benchmark.onednn;

import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.javacpp.FloatPointer;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.algorithm;
import static org.bytedeco.dnnl.global.dnnl.prop_kind;

/**
 * Prototype (issue 18): the seed's {@code baseline} network trained directly on oneDNN, channels-last from the input
 * to the last convolution, every primitive created once, bias and ReLU fused into each convolution, no input gradient
 * for the first convolution. Parameters live in DL4J's own layout ([out, in, kH, kW] weights, [out] biases) so they
 * can be copied from and compared with a DL4J network; Adam is DL4J's (same bias correction and epsilon).
 *
 * <p>A measurement of what the levers are worth, not yet the service's engine.
 */
public final class OneDnnBaseline implements AutoCloseable {

    private final engine cpu = new engine(engine.kind.cpu, 0);
    private final stream stream = new stream(cpu);
    private final int batch;
    private final int classes;
    private final memory input;
    private final Conv conv1;
    private final Pool pool1;
    private final Conv conv2;
    private final Pool pool2;
    private final Conv conv3;
    private final List<Conv> convs;
    private final float[] logits;
    private final float[] conv3Out;
    private final float[] conv3Grad;
    private final Adam adam;
    private long step;

    public OneDnnBaseline(int batch, int classes, double learningRate) {
        this.batch = batch;
        this.classes = classes;
        input = new memory(md(batch, 3, 24, 24, memory.format_tag.nhwc), cpu);
        conv1 = new Conv(input, 3, 64, 24, false);
        pool1 = new Pool(conv1.dst, 64, 24);
        conv2 = new Conv(pool1.dst, 64, 64, 12, true);
        pool2 = new Pool(conv2.dst, 64, 12);
        conv3 = new Conv(pool2.dst, 64, classes, 6, true);
        conv2.diffSrcTarget(pool1.diffDst);
        conv3.diffSrcTarget(pool2.diffDst);
        pool1.diffSrcTarget(conv1.diffDst);
        pool2.diffSrcTarget(conv2.diffDst);
        convs = List.of(conv1, conv2, conv3);
        logits = new float[batch * classes];
        conv3Out = new float[batch * 36 * classes];
        conv3Grad = new float[batch * 36 * classes];
        adam = new Adam(learningRate, convs);
    }

    /** DL4J's parameter names, in DL4J's layout: conv1_W [64,3,5,5], conv1_b [64], ... */
    public float[] parameter(String name) {
        return conv(name).param(name);
    }

    public float[] gradient(String name) {
        return conv(name).grad(name);
    }

    public void setParameter(String name, float[] values) {
        System.arraycopy(values, 0, parameter(name), 0, values.length);
    }

    private Conv conv(String name) {
        return switch (name.substring(0, 5)) {
            case "conv1" -> conv1;
            case "conv2" -> conv2;
            case "conv3" -> conv3;
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** Forward, backward and one Adam update; returns the batch's mean cross-entropy before the update. */
    public double trainStep(float[] nhwcImages, int[] labels) {
        double loss = forwardBackward(nhwcImages, labels);
        adam.update(++step);
        return loss;
    }

    /** Mean cross-entropy and the gradients of its parameters (mean over the batch), no update. */
    public double forwardBackward(float[] nhwcImages, int[] labels) {
        new FloatPointer(input.get_data_handle()).put(nhwcImages, 0, nhwcImages.length);
        for (Conv conv : convs) {
            conv.loadWeights();
        }
        conv1.forward();
        pool1.forward();
        conv2.forward();
        pool2.forward();
        conv3.forward();
        stream._wait();

        double loss = softmaxCrossEntropy(labels);

        conv3.backward();
        pool2.backward();
        conv2.backward();
        pool1.backward();
        conv1.backward();
        stream._wait();
        for (Conv conv : convs) {
            conv.storeGradients();
        }
        return loss;
    }

    /** Class probabilities of the last forward pass, [batch, classes]. */
    public float[] probabilities() {
        float[] p = logits.clone();
        for (int n = 0; n < batch; n++) {
            softmax(p, n * classes);
        }
        return p;
    }

    private double softmaxCrossEntropy(int[] labels) {
        new FloatPointer(conv3.dst.get_data_handle()).get(conv3Out, 0, conv3Out.length);
        int positions = 36;
        java.util.Arrays.fill(logits, 0);
        for (int n = 0; n < batch; n++) {
            int base = n * positions * classes;
            for (int p = 0; p < positions; p++) {
                for (int c = 0; c < classes; c++) {
                    logits[n * classes + c] += conv3Out[base + p * classes + c];
                }
            }
        }
        for (int i = 0; i < logits.length; i++) {
            logits[i] /= positions;
        }
        double loss = 0;
        float[] p = logits.clone();
        for (int n = 0; n < batch; n++) {
            softmax(p, n * classes);
            loss -= Math.log(Math.max(p[n * classes + labels[n]], 1e-10f));
            p[n * classes + labels[n]] -= 1;
        }
        // d loss / d conv3 output: (p - y) / batch, spread evenly over the 6x6 positions of the average
        float scale = 1f / (batch * positions);
        for (int n = 0; n < batch; n++) {
            int base = n * positions * classes;
            for (int q = 0; q < positions; q++) {
                for (int c = 0; c < classes; c++) {
                    conv3Grad[base + q * classes + c] = p[n * classes + c] * scale;
                }
            }
        }
        new FloatPointer(conv3.diffDst.get_data_handle()).put(conv3Grad, 0, conv3Grad.length);
        return loss / batch;
    }

    private void softmax(float[] v, int offset) {
        float max = Float.NEGATIVE_INFINITY;
        for (int c = offset; c < offset + classes; c++) {
            max = Math.max(max, v[c]);
        }
        double sum = 0;
        for (int c = offset; c < offset + classes; c++) {
            v[c] = (float) Math.exp(v[c] - max);
            sum += v[c];
        }
        for (int c = offset; c < offset + classes; c++) {
            v[c] /= (float) sum;
        }
    }

    @Override
    public void close() {
        stream.close();
        cpu.close();
    }

    private static memory.desc md(long n, long c, long h, long w, memory.format_tag tag) {
        return new memory.desc(new long[]{n, c, h, w}, memory.data_type.f32, tag);
    }

    private void exec(primitive p, Object... args) {
        IntMemoryMap map = new IntMemoryMap();
        for (int i = 0; i < args.length; i += 2) {
            map.put((Integer) args[i], (memory) args[i + 1]);
        }
        p.execute(stream, map);
    }

    /** A 5x5 "same" convolution, stride 1, bias and ReLU fused. */
    private final class Conv {
        final int in;
        final int out;
        final memory src;
        final memory dst;
        final memory diffDst;
        memory diffSrc;
        final float[] weights;
        final float[] bias;
        final float[] weightGrad;
        final float[] biasGrad;
        final memory userWeights;
        final memory userBias;
        final memory fwdWeights;
        final memory bwdDataWeights;
        final memory diffWeights;
        final memory userDiffWeights;
        final memory diffBias;
        final convolution_forward fwd;
        final convolution_backward_weights bwdWeights;
        final convolution_backward_data bwdData;
        final eltwise_backward reluBwd;
        final reorder toFwdWeights;
        final reorder toBwdDataWeights;
        final reorder fromDiffWeights;
        final convolution_backward_data.primitive_desc bwdDataPd;
        final String prefix;

        Conv(memory src, int in, int out, int size, boolean inputGradient) {
            this.in = in;
            this.out = out;
            this.src = src;
            this.prefix = "conv" + (convsMade() + 1);
            long[] strides = {1, 1};
            long[] pad = {2, 2};
            memory.desc srcMd = md(batch, in, size, size, memory.format_tag.nhwc);
            memory.desc dstMd = md(batch, out, size, size, memory.format_tag.nhwc);
            memory.desc anyWeights = md(out, in, 5, 5, memory.format_tag.any);
            memory.desc biasMd = new memory.desc(new long[]{out}, memory.data_type.f32, memory.format_tag.x);

            post_ops ops = new post_ops();
            ops.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
            primitive_attr attr = new primitive_attr();
            attr.set_post_ops(ops);
            var fwdPd = new convolution_forward.primitive_desc(new convolution_forward.desc(prop_kind.forward_training,
                    algorithm.convolution_direct, srcMd, anyWeights, biasMd, dstMd, strides, pad, pad), attr, cpu);
            fwd = new convolution_forward(fwdPd);
            var bwdWeightsPd = new convolution_backward_weights.primitive_desc(new convolution_backward_weights.desc(
                    algorithm.convolution_direct, srcMd, anyWeights, biasMd, dstMd, strides, pad, pad), cpu, fwdPd);
            bwdWeights = new convolution_backward_weights(bwdWeightsPd);
            if (inputGradient) {
                bwdDataPd = new convolution_backward_data.primitive_desc(new convolution_backward_data.desc(
                        algorithm.convolution_direct, srcMd, anyWeights, dstMd, strides, pad, pad), cpu, fwdPd);
                bwdData = new convolution_backward_data(bwdDataPd);
            } else {
                bwdDataPd = null;
                bwdData = null;
            }
            var reluFwdPd = new eltwise_forward.primitive_desc(new eltwise_forward.desc(prop_kind.forward_training,
                    algorithm.eltwise_relu_use_dst_for_bwd, dstMd, 0f, 0f), cpu);
            reluBwd = new eltwise_backward(new eltwise_backward.primitive_desc(new eltwise_backward.desc(
                    algorithm.eltwise_relu_use_dst_for_bwd, dstMd, dstMd, 0f, 0f), cpu, reluFwdPd));

            dst = new memory(dstMd, cpu);
            diffDst = new memory(dstMd, cpu);
            memory.desc userWeightsMd = md(out, in, 5, 5, memory.format_tag.oihw);
            userWeights = new memory(userWeightsMd, cpu);
            userBias = new memory(biasMd, cpu);
            fwdWeights = new memory(fwdPd.weights_desc(), cpu);
            toFwdWeights = new reorder(userWeights, fwdWeights);
            if (bwdData != null) {
                bwdDataWeights = new memory(bwdDataPd.weights_desc(), cpu);
                toBwdDataWeights = new reorder(userWeights, bwdDataWeights);
            } else {
                bwdDataWeights = null;
                toBwdDataWeights = null;
            }
            diffWeights = new memory(bwdWeightsPd.diff_weights_desc(), cpu);
            userDiffWeights = new memory(userWeightsMd, cpu);
            fromDiffWeights = new reorder(diffWeights, userDiffWeights);
            diffBias = new memory(biasMd, cpu);
            weights = new float[out * in * 25];
            bias = new float[out];
            weightGrad = new float[weights.length];
            biasGrad = new float[out];
        }

        void diffSrcTarget(memory target) {
            diffSrc = target;
        }

        float[] param(String name) {
            return name.endsWith("_W") ? weights : bias;
        }

        float[] grad(String name) {
            return name.endsWith("_W") ? weightGrad : biasGrad;
        }

        void loadWeights() {
            new FloatPointer(userWeights.get_data_handle()).put(weights, 0, weights.length);
            new FloatPointer(userBias.get_data_handle()).put(bias, 0, bias.length);
            exec(toFwdWeights, DNNL_ARG_FROM, userWeights, DNNL_ARG_TO, fwdWeights);
            if (toBwdDataWeights != null) {
                exec(toBwdDataWeights, DNNL_ARG_FROM, userWeights, DNNL_ARG_TO, bwdDataWeights);
            }
        }

        void forward() {
            exec(fwd, DNNL_ARG_SRC, src, DNNL_ARG_WEIGHTS, fwdWeights, DNNL_ARG_BIAS, userBias, DNNL_ARG_DST, dst);
        }

        /** diffDst holds d loss / d (ReLU output); turned in place into d loss / d (pre-activation). */
        void backward() {
            exec(reluBwd, DNNL_ARG_DST, dst, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_DIFF_SRC, diffDst);
            exec(bwdWeights, DNNL_ARG_SRC, src, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_DIFF_WEIGHTS, diffWeights,
                    DNNL_ARG_DIFF_BIAS, diffBias);
            if (bwdData != null) {
                exec(bwdData, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_WEIGHTS, bwdDataWeights, DNNL_ARG_DIFF_SRC, diffSrc);
            }
        }

        void storeGradients() {
            exec(fromDiffWeights, DNNL_ARG_FROM, diffWeights, DNNL_ARG_TO, userDiffWeights);
            stream._wait();
            new FloatPointer(userDiffWeights.get_data_handle()).get(weightGrad, 0, weightGrad.length);
            new FloatPointer(diffBias.get_data_handle()).get(biasGrad, 0, biasGrad.length);
        }
    }

    private int convsMade;

    private int convsMade() {
        return convsMade++;
    }

    /** 2x2 max pooling, stride 2. */
    private final class Pool {
        final memory src;
        final memory dst;
        final memory diffDst;
        final memory workspace;
        memory diffSrc;
        final pooling_forward fwd;
        final pooling_backward bwd;

        Pool(memory src, int channels, int size) {
            this.src = src;
            long[] two = {2, 2};
            long[] zero = {0, 0};
            memory.desc srcMd = md(batch, channels, size, size, memory.format_tag.nhwc);
            memory.desc dstMd = md(batch, channels, size / 2, size / 2, memory.format_tag.nhwc);
            var fwdPd = new pooling_forward.primitive_desc(new pooling_forward.desc(prop_kind.forward_training,
                    algorithm.pooling_max, srcMd, dstMd, two, two, zero, zero), cpu);
            fwd = new pooling_forward(fwdPd);
            bwd = new pooling_backward(new pooling_backward.primitive_desc(new pooling_backward.desc(
                    algorithm.pooling_max, srcMd, dstMd, two, two, zero, zero), cpu, fwdPd));
            dst = new memory(dstMd, cpu);
            diffDst = new memory(dstMd, cpu);
            workspace = new memory(fwdPd.workspace_desc(), cpu);
        }

        void diffSrcTarget(memory target) {
            diffSrc = target;
        }

        void forward() {
            exec(fwd, DNNL_ARG_SRC, src, DNNL_ARG_DST, dst, DNNL_ARG_WORKSPACE, workspace);
        }

        void backward() {
            exec(bwd, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_WORKSPACE, workspace, DNNL_ARG_DIFF_SRC, diffSrc);
        }
    }

    /** DL4J's Adam: bias-corrected step size, epsilon outside the square root. */
    private static final class Adam {
        static final double BETA1 = 0.9;
        static final double BETA2 = 0.999;
        static final double EPSILON = 1e-8;
        final double learningRate;
        final List<float[][]> slots = new ArrayList<>();

        Adam(double learningRate, List<Conv> convs) {
            this.learningRate = learningRate;
            for (Conv conv : convs) {
                slots.add(new float[][]{conv.weights, conv.weightGrad, new float[conv.weights.length],
                        new float[conv.weights.length]});
                slots.add(new float[][]{conv.bias, conv.biasGrad, new float[conv.bias.length],
                        new float[conv.bias.length]});
            }
        }

        void update(long t) {
            double alpha = learningRate * Math.sqrt(1 - Math.pow(BETA2, t)) / (1 - Math.pow(BETA1, t));
            for (float[][] slot : slots) {
                float[] param = slot[0];
                float[] grad = slot[1];
                float[] m = slot[2];
                float[] v = slot[3];
                for (int i = 0; i < param.length; i++) {
                    double g = grad[i];
                    m[i] = (float) (BETA1 * m[i] + (1 - BETA1) * g);
                    v[i] = (float) (BETA2 * v[i] + (1 - BETA2) * g * g);
                    param[i] -= (float) (alpha * m[i] / (Math.sqrt(v[i]) + EPSILON));
                }
            }
        }
    }
}
