package io.cnnlab.onednn;

import org.bytedeco.dnnl.IntMemoryMap;
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
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
 * One training pass of a {@link NetworkPlan} for one batch size, made once: the input read in place as DL4J hands
 * it (channels-first), every activation after it channels-last, bias and ReLU fused into each convolution, weights
 * read from and gradients written into DL4J's own buffers, no input gradient for the first convolution. The gradients
 * are sums over the batch, as DL4J's layers leave them for its updater to divide.
 */
final class CompiledPass implements AutoCloseable {

    private final engine cpu;
    private final stream stream;
    private final int batch;
    private final int classes;
    private final List<Pointer> owned = new ArrayList<>();
    private final memory input;
    private final List<Object> stages = new ArrayList<>();
    private final ConvStage last;
    private final int positions;
    private final float[] lastOutput;
    private final float[] lastGradient;
    private final float[] labels;

    CompiledPass(engine cpu, stream stream, NetworkPlan plan, int batch, Map<String, INDArray> parameters,
                 Map<String, INDArray> gradients) {
        this.cpu = cpu;
        this.stream = stream;
        this.batch = batch;
        this.classes = plan.classes();
        memory.desc inputMd = own(md(batch, plan.channels(), plan.height(), plan.width(), memory.format_tag.nchw));
        input = own(new memory(inputMd, cpu, (Pointer) null));
        memory src = input;
        memory.desc srcMd = inputMd;
        Object previous = null;
        ConvStage lastConv = null;
        for (NetworkPlan.Stage stage : plan.stages()) {
            Object made;
            if (stage instanceof NetworkPlan.Conv conv) {
                ConvStage c = new ConvStage(conv, src, srcMd, previous != null, parameters, gradients);
                made = c;
                lastConv = c;
                src = c.dst;
                srcMd = c.dstMd;
            } else {
                PoolStage p = new PoolStage((NetworkPlan.Pool) stage, src, srcMd);
                made = p;
                src = p.dst;
                srcMd = p.dstMd;
            }
            if (previous != null) {
                setDiffSrc(made, diffDstOf(previous));
            }
            stages.add(made);
            previous = made;
        }
        last = lastConv;
        NetworkPlan.Conv head = last.spec;
        positions = head.height() * head.width();
        lastOutput = new float[batch * positions * classes];
        lastGradient = new float[lastOutput.length];
        labels = new float[batch * classes];
    }

    /** Forward and backward for one batch; returns the mean cross-entropy (DL4J's score, without regularisation). */
    double forwardBackward(INDArray features, INDArray oneHot) {
        input.set_data_handle(NativeArrays.address(features));
        for (Object stage : stages) {
            if (stage instanceof ConvStage conv) {
                conv.loadWeights();
            }
        }
        for (Object stage : stages) {
            if (stage instanceof ConvStage conv) {
                conv.forward();
            } else {
                ((PoolStage) stage).forward();
            }
        }
        stream._wait();
        double loss = head(oneHot);
        for (int i = stages.size() - 1; i >= 0; i--) {
            if (stages.get(i) instanceof ConvStage conv) {
                conv.backward();
            } else {
                ((PoolStage) stages.get(i)).backward();
            }
        }
        stream._wait();
        return loss;
    }

    /**
     * Global average pooling, softmax and cross-entropy on the last convolution's channels-last output, and the
     * gradient of the batch's summed loss with respect to that output.
     */
    private double head(INDArray oneHot) {
        NativeArrays.floats(last.dst.get_data_handle()).get(lastOutput, 0, lastOutput.length);
        NativeArrays.floats(NativeArrays.address(oneHot)).get(labels, 0, labels.length);
        double loss = 0;
        double[] p = new double[classes];
        for (int n = 0; n < batch; n++) {
            int base = n * positions * classes;
            java.util.Arrays.fill(p, 0);
            for (int q = 0; q < positions; q++) {
                for (int c = 0; c < classes; c++) {
                    p[c] += lastOutput[base + q * classes + c];
                }
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                p[c] = (float) (p[c] / positions);
                max = Math.max(max, p[c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                p[c] = Math.exp(p[c] - max);
                sum += p[c];
            }
            double labelSum = 0;
            for (int c = 0; c < classes; c++) {
                p[c] /= sum;
                double y = labels[n * classes + c];
                labelSum += y;
                if (y != 0) {
                    loss -= y * Math.log(Math.max(p[c], 1e-10));
                }
            }
            for (int c = 0; c < classes; c++) {
                float gradient = (float) ((p[c] * labelSum - labels[n * classes + c]) / positions);
                for (int q = 0; q < positions; q++) {
                    lastGradient[base + q * classes + c] = gradient;
                }
            }
        }
        NativeArrays.floats(last.diffDst.get_data_handle()).put(lastGradient, 0, lastGradient.length);
        return loss / batch;
    }

    private static memory diffDstOf(Object stage) {
        return stage instanceof ConvStage c ? c.diffDst : ((PoolStage) stage).diffDst;
    }

    private static void setDiffSrc(Object stage, memory target) {
        if (stage instanceof ConvStage c) {
            c.diffSrc = target;
        } else {
            ((PoolStage) stage).diffSrc = target;
        }
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
    }

    private <T extends Pointer> T own(T pointer) {
        owned.add(pointer);
        return pointer;
    }

    private memory.desc md(long n, long c, long h, long w, memory.format_tag tag) {
        return own(new memory.desc(new long[]{n, c, h, w}, memory.data_type.f32, tag));
    }

    private void exec(primitive p, Object... args) {
        try (IntMemoryMap map = new IntMemoryMap()) {
            for (int i = 0; i < args.length; i += 2) {
                map.put((Integer) args[i], (memory) args[i + 1]);
            }
            p.execute(stream, map);
        }
    }

    /** A convolution with its ReLU (if any), forward and both backward passes. */
    private final class ConvStage {
        final NetworkPlan.Conv spec;
        final memory src;
        final memory.desc dstMd;
        final memory dst;
        final memory diffDst;
        memory diffSrc;
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

        ConvStage(NetworkPlan.Conv spec, memory src, memory.desc srcMd, boolean inputGradient,
                  Map<String, INDArray> parameters, Map<String, INDArray> gradients) {
            this.spec = spec;
            this.src = src;
            long[] strides = {1, 1};
            long[] padTopLeft = {spec.padTop(), spec.padLeft()};
            long[] padBottomRight = {spec.padBottom(), spec.padRight()};
            dstMd = md(batch, spec.out(), spec.height(), spec.width(), memory.format_tag.nhwc);
            memory.desc anyWeights = md(spec.out(), spec.in(), spec.kernelHeight(), spec.kernelWidth(),
                    memory.format_tag.any);
            memory.desc userWeightsMd = md(spec.out(), spec.in(), spec.kernelHeight(), spec.kernelWidth(),
                    memory.format_tag.oihw);
            memory.desc biasMd = own(new memory.desc(new long[]{spec.out()}, memory.data_type.f32, memory.format_tag.x));

            primitive_attr attr = own(new primitive_attr());
            if (spec.relu()) {
                post_ops ops = own(new post_ops());
                ops.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
                attr.set_post_ops(ops);
            }
            var fwdPd = own(new convolution_forward.primitive_desc(own(new convolution_forward.desc(
                    prop_kind.forward_training, algorithm.convolution_direct, srcMd, anyWeights, biasMd, dstMd,
                    strides, padTopLeft, padBottomRight)), attr, cpu));
            fwd = own(new convolution_forward(fwdPd));
            var bwdWeightsPd = own(new convolution_backward_weights.primitive_desc(own(new convolution_backward_weights.desc(
                    algorithm.convolution_direct, srcMd, anyWeights, biasMd, dstMd, strides, padTopLeft,
                    padBottomRight)), cpu, fwdPd));
            bwdWeights = own(new convolution_backward_weights(bwdWeightsPd));
            convolution_backward_data.primitive_desc bwdDataPd = null;
            if (inputGradient) {
                bwdDataPd = own(new convolution_backward_data.primitive_desc(own(new convolution_backward_data.desc(
                        algorithm.convolution_direct, srcMd, anyWeights, dstMd, strides, padTopLeft, padBottomRight)),
                        cpu, fwdPd));
                bwdData = own(new convolution_backward_data(bwdDataPd));
            } else {
                bwdData = null;
            }
            if (spec.relu()) {
                var reluFwdPd = own(new eltwise_forward.primitive_desc(own(new eltwise_forward.desc(
                        prop_kind.forward_training, algorithm.eltwise_relu_use_dst_for_bwd, dstMd, 0f, 0f)), cpu));
                reluBwd = own(new eltwise_backward(own(new eltwise_backward.primitive_desc(own(new eltwise_backward.desc(
                        algorithm.eltwise_relu_use_dst_for_bwd, dstMd, dstMd, 0f, 0f)), cpu, reluFwdPd))));
            } else {
                reluBwd = null;
            }

            dst = own(new memory(dstMd, cpu));
            diffDst = own(new memory(dstMd, cpu));
            userWeights = own(new memory(userWeightsMd, cpu, NativeArrays.address(parameters.get(spec.name() + "_W"))));
            userBias = own(new memory(biasMd, cpu, NativeArrays.address(parameters.get(spec.name() + "_b"))));
            fwdWeights = own(new memory(fwdPd.weights_desc(), cpu));
            toFwdWeights = own(new reorder(userWeights, fwdWeights));
            if (bwdDataPd != null) {
                bwdDataWeights = own(new memory(bwdDataPd.weights_desc(), cpu));
                toBwdDataWeights = own(new reorder(userWeights, bwdDataWeights));
            } else {
                bwdDataWeights = null;
                toBwdDataWeights = null;
            }
            diffWeights = own(new memory(bwdWeightsPd.diff_weights_desc(), cpu));
            userDiffWeights = own(new memory(userWeightsMd, cpu, NativeArrays.address(gradients.get(spec.name() + "_W"))));
            fromDiffWeights = own(new reorder(diffWeights, userDiffWeights));
            diffBias = own(new memory(biasMd, cpu, NativeArrays.address(gradients.get(spec.name() + "_b"))));
        }

        void loadWeights() {
            exec(toFwdWeights, DNNL_ARG_FROM, userWeights, DNNL_ARG_TO, fwdWeights);
            if (toBwdDataWeights != null) {
                exec(toBwdDataWeights, DNNL_ARG_FROM, userWeights, DNNL_ARG_TO, bwdDataWeights);
            }
        }

        void forward() {
            exec(fwd, DNNL_ARG_SRC, src, DNNL_ARG_WEIGHTS, fwdWeights, DNNL_ARG_BIAS, userBias, DNNL_ARG_DST, dst);
        }

        /** diffDst holds the gradient at the convolution's output (after its ReLU); made the pre-ReLU one in place. */
        void backward() {
            if (reluBwd != null) {
                exec(reluBwd, DNNL_ARG_DST, dst, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_DIFF_SRC, diffDst);
            }
            exec(bwdWeights, DNNL_ARG_SRC, src, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_DIFF_WEIGHTS, diffWeights,
                    DNNL_ARG_DIFF_BIAS, diffBias);
            exec(fromDiffWeights, DNNL_ARG_FROM, diffWeights, DNNL_ARG_TO, userDiffWeights);
            if (bwdData != null) {
                exec(bwdData, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_WEIGHTS, bwdDataWeights, DNNL_ARG_DIFF_SRC, diffSrc);
            }
        }
    }

    /** Max pooling, forward with its workspace (where each maximum was) and backward. */
    private final class PoolStage {
        final memory src;
        final memory.desc dstMd;
        final memory dst;
        final memory diffDst;
        final memory workspace;
        memory diffSrc;
        final pooling_forward fwd;
        final pooling_backward bwd;

        PoolStage(NetworkPlan.Pool spec, memory src, memory.desc srcMd) {
            this.src = src;
            long[] window = {spec.kernel(), spec.kernel()};
            long[] zero = {0, 0};
            dstMd = md(batch, spec.channels(), spec.height() / spec.kernel(), spec.width() / spec.kernel(),
                    memory.format_tag.nhwc);
            var fwdPd = own(new pooling_forward.primitive_desc(own(new pooling_forward.desc(prop_kind.forward_training,
                    algorithm.pooling_max, srcMd, dstMd, window, window, zero, zero)), cpu));
            fwd = own(new pooling_forward(fwdPd));
            bwd = own(new pooling_backward(own(new pooling_backward.primitive_desc(own(new pooling_backward.desc(
                    algorithm.pooling_max, srcMd, dstMd, window, window, zero, zero)), cpu, fwdPd))));
            dst = own(new memory(dstMd, cpu));
            diffDst = own(new memory(dstMd, cpu));
            workspace = own(new memory(fwdPd.workspace_desc(), cpu));
        }

        void forward() {
            exec(fwd, DNNL_ARG_SRC, src, DNNL_ARG_DST, dst, DNNL_ARG_WORKSPACE, workspace);
        }

        /** Nothing to do first in the network: nobody needs the gradient at the input. */
        void backward() {
            if (diffSrc == null) {
                return;
            }
            exec(bwd, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_WORKSPACE, workspace, DNNL_ARG_DIFF_SRC, diffSrc);
        }
    }
}
