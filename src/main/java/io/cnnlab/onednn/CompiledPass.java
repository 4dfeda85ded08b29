package io.cnnlab.onednn;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.concat;
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
import org.bytedeco.dnnl.sum;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SCALE_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MULTIPLE_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.algorithm;
import static org.bytedeco.dnnl.global.dnnl.normalization_flags;
import static org.bytedeco.dnnl.global.dnnl.prop_kind;

/**
 * One pass of a {@link NetworkPlan} for one batch size, made once: the input read in place as DL4J hands it
 * (channels-first), every activation after it channels-last, bias and ReLU fused into each convolution that has one,
 * weights read from DL4J's own parameter buffers. For training ({@code gradients} given) also the backward pass,
 * writing DL4J's gradients in place — sums over the batch, as DL4J's layers leave them for its updater to divide —
 * with no gradient computed for the input image; for inference the forward pass only.
 */
final class CompiledPass implements AutoCloseable {

    private final engine cpu;
    private final stream stream;
    private final int batch;
    private final boolean training;
    private final List<Pointer> owned = new ArrayList<>();
    private final Map<String, Tensor> tensors = new HashMap<>();
    private final Map<primitive, IntMemoryMap> arguments = new IdentityHashMap<>();
    private final List<Op> ops = new ArrayList<>();
    private final memory userInput;
    private final reorder toChannelsLast;
    private final Tensor input;
    private final Head head;

    CompiledPass(engine cpu, stream stream, NetworkPlan plan, int batch, Map<String, INDArray> parameters,
                 Map<String, INDArray> gradients) {
        this.cpu = cpu;
        this.stream = stream;
        this.batch = batch;
        this.training = gradients != null;
        // training reads DL4J's batch in place; inference copies its images into a buffer of its own. Either way the
        // batch is reordered to channels-last first: a convolution from channels-first input to channels-last output
        // has no fast kernel in oneDNN, only a reference one (docs/performance.md, "The project's oneDNN engine")
        memory.desc channelsFirst = md(plan.channels(), plan.height(), plan.width(), memory.format_tag.nchw);
        userInput = own(training ? new memory(channelsFirst, cpu, (Pointer) null) : new memory(channelsFirst, cpu));
        input = new Tensor(plan.input(), plan.channels(), plan.height(), plan.width(), memory.format_tag.nhwc, 0, true);
        toChannelsLast = own(new reorder(userInput, input.data));
        tensors.put(plan.input(), input);
        for (NetworkPlan.Node node : plan.nodes()) {
            Tensor out = new Tensor(node.name(), node.channels(), node.height(), node.width(), memory.format_tag.nhwc,
                    plan.readers(node.name()), true);
            List<Tensor> in = node.inputs().stream().map(tensors::get).toList();
            ops.add(op(node, in, out, parameters, gradients));
            tensors.put(node.name(), out);
        }
        if (training) {
            tensors.values().forEach(Tensor::makeSum);
        }
        head = new Head(tensors.get(plan.last()), plan.classes());
    }

    private Op op(NetworkPlan.Node node, List<Tensor> in, Tensor out, Map<String, INDArray> parameters,
                  Map<String, INDArray> gradients) {
        if (node instanceof NetworkPlan.Conv conv) {
            return new ConvOp(conv, in.get(0), out, parameters, gradients);
        }
        if (node instanceof NetworkPlan.Pool pool) {
            return new PoolOp(pool, in.get(0), out);
        }
        if (node instanceof NetworkPlan.Norm norm) {
            return new NormOp(norm, in.get(0), out, parameters, gradients);
        }
        if (node instanceof NetworkPlan.Relu) {
            return new ReluOp(in.get(0), out);
        }
        return new ConcatOp(in, out);
    }

    /** Reads the weights again: before every training step, once for a model that does not change. */
    void loadWeights() {
        for (Op op : ops) {
            op.loadWeights();
        }
    }

    /** The forward pass on a dense channels-first batch; returns the class probabilities, row after row. */
    float[] forward(INDArray features) {
        userInput.set_data_handle(NativeArrays.address(features));
        return forward();
    }

    /** Inference on this pass's batch of images, starting at {@code offset} in {@code images} (channels-first). */
    float[] forward(float[] images, int offset) {
        int length = batch * input.channels * input.height * input.width;
        NativeArrays.floats(userInput.get_data_handle()).put(images, offset, length);
        return forward();
    }

    int batch() {
        return batch;
    }

    private float[] forward() {
        exec(toChannelsLast, DNNL_ARG_FROM, userInput, DNNL_ARG_TO, input.data);
        for (Op op : ops) {
            op.forward();
        }
        stream._wait();
        return head.probabilities();
    }

    /** Forward and backward for one batch; returns the mean cross-entropy (DL4J's score, without regularisation). */
    double forwardBackward(INDArray features, INDArray oneHot) {
        forward(features);
        double loss = head.lossAndGradient(oneHot);
        for (int i = ops.size() - 1; i >= 0; i--) {
            Op op = ops.get(i);
            op.out().sumParts();
            op.backward();
        }
        stream._wait();
        for (Op op : ops) {
            op.afterBackward();
        }
        return loss;
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

    private memory.desc md(long channels, long height, long width, memory.format_tag tag) {
        return own(new memory.desc(new long[]{batch, channels, height, width}, memory.data_type.f32, tag));
    }

    private memory.desc vector(long length) {
        return own(new memory.desc(new long[]{length}, memory.data_type.f32, memory.format_tag.x));
    }

    private memory.desc descs(List<memory.desc> list) {
        memory.desc array = own(new memory.desc(list.size()));
        for (int i = 0; i < list.size(); i++) {
            array.getPointer(i).data(list.get(i).data());
        }
        return array;
    }

    /**
     * Runs a primitive with its arguments. Every primitive here always runs with the same memory objects (the input's
     * data handle changes, not its object), so each one's argument map is built once: a single image's pass is a
     * dozen short calls, where building maps each time would be a visible share.
     */
    private void exec(primitive p, Object... args) {
        IntMemoryMap map = arguments.get(p);
        if (map == null) {
            map = own(new IntMemoryMap());
            for (int i = 0; i < args.length; i += 2) {
                map.put((Integer) args[i], (memory) args[i + 1]);
            }
            arguments.put(p, map);
        }
        p.execute(stream, map);
    }

    private memory wrap(memory.desc md, INDArray array) {
        return own(new memory(md, cpu, NativeArrays.address(array)));
    }

    /**
     * A node's output: its values and, when training, the gradient of the loss with respect to them — written
     * directly by its only reader, or summed from one part per reader.
     */
    private final class Tensor {
        final String name;
        final int channels;
        final int height;
        final int width;
        final memory.desc md;
        final memory data;
        final int readers;
        memory diff;
        final List<memory> parts = new ArrayList<>();
        sum sumOfParts;

        Tensor(String name, int channels, int height, int width, memory.format_tag layout, int readers,
               boolean allocate) {
            this.name = name;
            this.channels = channels;
            this.height = height;
            this.width = width;
            this.md = md(channels, height, width, layout);
            this.readers = readers;
            this.data = own(allocate ? new memory(md, cpu) : new memory(md, cpu, (Pointer) null));
        }

        boolean isInput() {
            return this == input;
        }

        memory diff() {
            if (diff == null) {
                diff = own(new memory(md, cpu));
            }
            return diff;
        }

        /** Where one reader writes its share of this tensor's gradient. */
        memory slot() {
            if (readers <= 1) {
                return diff();
            }
            memory part = own(new memory(md, cpu));
            parts.add(part);
            return part;
        }

        void makeSum() {
            if (parts.size() > 1) {
                float[] ones = new float[parts.size()];
                Arrays.fill(ones, 1f);
                sumOfParts = own(new sum(own(new sum.primitive_desc(md, ones,
                        descs(parts.stream().map(p -> md).toList()), cpu))));
            }
        }

        void sumParts() {
            if (sumOfParts != null) {
                Object[] args = new Object[2 * parts.size() + 2];
                for (int i = 0; i < parts.size(); i++) {
                    args[2 * i] = DNNL_ARG_MULTIPLE_SRC + i;
                    args[2 * i + 1] = parts.get(i);
                }
                args[args.length - 2] = DNNL_ARG_DST;
                args[args.length - 1] = diff();
                exec(sumOfParts, args);
            }
        }
    }

    private abstract class Op {
        final Tensor out;

        Op(Tensor out) {
            this.out = out;
        }

        Tensor out() {
            return out;
        }

        void loadWeights() {
        }

        abstract void forward();

        abstract void backward();

        void afterBackward() {
        }
    }

    /** A convolution with its ReLU (if any): forward, and in training both backward passes. */
    private final class ConvOp extends Op {
        final Tensor in;
        final memory userWeights;
        final memory bias;
        final memory fwdWeights;
        final reorder toFwdWeights;
        final convolution_forward fwd;
        memory bwdDataWeights;
        reorder toBwdDataWeights;
        convolution_backward_data bwdData;
        memory inSlot;
        convolution_backward_weights bwdWeights;
        memory diffWeights;
        reorder fromDiffWeights;
        memory userDiffWeights;
        memory diffBias;
        eltwise_backward reluBwd;

        ConvOp(NetworkPlan.Conv spec, Tensor in, Tensor out, Map<String, INDArray> parameters,
               Map<String, INDArray> gradients) {
            super(out);
            this.in = in;
            long[] strides = {1, 1};
            long[] padL = spec.padTopLeft();
            long[] padR = spec.padBottomRight();
            memory.desc anyWeights = own(new memory.desc(new long[]{spec.channels(), spec.in(), spec.kernelHeight(),
                    spec.kernelWidth()}, memory.data_type.f32, memory.format_tag.any));
            memory.desc userWeightsMd = own(new memory.desc(new long[]{spec.channels(), spec.in(),
                    spec.kernelHeight(), spec.kernelWidth()}, memory.data_type.f32, memory.format_tag.oihw));
            memory.desc biasMd = vector(spec.channels());
            primitive_attr attr = own(new primitive_attr());
            if (spec.relu()) {
                post_ops ops = own(new post_ops());
                ops.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
                attr.set_post_ops(ops);
            }
            var fwdPd = own(new convolution_forward.primitive_desc(own(new convolution_forward.desc(
                    training ? prop_kind.forward_training : prop_kind.forward_inference,
                    algorithm.convolution_direct, in.md, anyWeights, biasMd, out.md, strides, padL, padR)), attr, cpu));
            fwd = own(new convolution_forward(fwdPd));
            userWeights = wrap(userWeightsMd, parameters.get(spec.name() + "_W"));
            bias = wrap(biasMd, parameters.get(spec.name() + "_b"));
            fwdWeights = own(new memory(fwdPd.weights_desc(), cpu));
            toFwdWeights = own(new reorder(userWeights, fwdWeights));
            if (!training) {
                return;
            }
            var bwdWeightsPd = own(new convolution_backward_weights.primitive_desc(own(
                    new convolution_backward_weights.desc(algorithm.convolution_direct, in.md, anyWeights, biasMd,
                            out.md, strides, padL, padR)), cpu, fwdPd));
            bwdWeights = own(new convolution_backward_weights(bwdWeightsPd));
            diffWeights = own(new memory(bwdWeightsPd.diff_weights_desc(), cpu));
            userDiffWeights = wrap(userWeightsMd, gradients.get(spec.name() + "_W"));
            fromDiffWeights = own(new reorder(diffWeights, userDiffWeights));
            diffBias = wrap(biasMd, gradients.get(spec.name() + "_b"));
            if (!in.isInput()) {
                var bwdDataPd = own(new convolution_backward_data.primitive_desc(own(new convolution_backward_data.desc(
                        algorithm.convolution_direct, in.md, anyWeights, out.md, strides, padL, padR)), cpu, fwdPd));
                bwdData = own(new convolution_backward_data(bwdDataPd));
                bwdDataWeights = own(new memory(bwdDataPd.weights_desc(), cpu));
                toBwdDataWeights = own(new reorder(userWeights, bwdDataWeights));
                inSlot = in.slot();
            }
            if (spec.relu()) {
                reluBwd = reluBackward(out.md);
            }
        }

        @Override
        void loadWeights() {
            exec(toFwdWeights, DNNL_ARG_FROM, userWeights, DNNL_ARG_TO, fwdWeights);
            if (toBwdDataWeights != null) {
                exec(toBwdDataWeights, DNNL_ARG_FROM, userWeights, DNNL_ARG_TO, bwdDataWeights);
            }
        }

        @Override
        void forward() {
            exec(fwd, DNNL_ARG_SRC, in.data, DNNL_ARG_WEIGHTS, fwdWeights, DNNL_ARG_BIAS, bias, DNNL_ARG_DST, out.data);
        }

        @Override
        void backward() {
            memory diff = out.diff();
            if (reluBwd != null) {
                exec(reluBwd, DNNL_ARG_DST, out.data, DNNL_ARG_DIFF_DST, diff, DNNL_ARG_DIFF_SRC, diff);
            }
            exec(bwdWeights, DNNL_ARG_SRC, in.data, DNNL_ARG_DIFF_DST, diff, DNNL_ARG_DIFF_WEIGHTS, diffWeights,
                    DNNL_ARG_DIFF_BIAS, diffBias);
            exec(fromDiffWeights, DNNL_ARG_FROM, diffWeights, DNNL_ARG_TO, userDiffWeights);
            if (bwdData != null) {
                exec(bwdData, DNNL_ARG_DIFF_DST, diff, DNNL_ARG_WEIGHTS, bwdDataWeights, DNNL_ARG_DIFF_SRC, inSlot);
            }
        }
    }

    /** ReLU's backward from its output (in place is allowed): the gradient where the output is positive. */
    private eltwise_backward reluBackward(memory.desc md) {
        var hint = own(new eltwise_forward.primitive_desc(own(new eltwise_forward.desc(prop_kind.forward_training,
                algorithm.eltwise_relu_use_dst_for_bwd, md, 0f, 0f)), cpu));
        return own(new eltwise_backward(own(new eltwise_backward.primitive_desc(own(new eltwise_backward.desc(
                algorithm.eltwise_relu_use_dst_for_bwd, md, md, 0f, 0f)), cpu, hint))));
    }

    /** Max pooling; in training with its workspace (where each maximum was) and backward. */
    private final class PoolOp extends Op {
        final Tensor in;
        final pooling_forward fwd;
        memory workspace;
        pooling_backward bwd;
        memory inSlot;

        PoolOp(NetworkPlan.Pool spec, Tensor in, Tensor out) {
            super(out);
            this.in = in;
            long[] window = {spec.kernel(), spec.kernel()};
            long[] zero = {0, 0};
            var fwdPd = own(new pooling_forward.primitive_desc(own(new pooling_forward.desc(
                    training ? prop_kind.forward_training : prop_kind.forward_inference,
                    algorithm.pooling_max, in.md, out.md, window, window, zero, zero)), cpu));
            fwd = own(new pooling_forward(fwdPd));
            if (training) {
                workspace = own(new memory(fwdPd.workspace_desc(), cpu));
                if (!in.isInput()) {
                    bwd = own(new pooling_backward(own(new pooling_backward.primitive_desc(own(new pooling_backward.desc(
                            algorithm.pooling_max, in.md, out.md, window, window, zero, zero)), cpu, fwdPd))));
                    inSlot = in.slot();
                }
            }
        }

        @Override
        void forward() {
            if (training) {
                exec(fwd, DNNL_ARG_SRC, in.data, DNNL_ARG_DST, out.data, DNNL_ARG_WORKSPACE, workspace);
            } else {
                exec(fwd, DNNL_ARG_SRC, in.data, DNNL_ARG_DST, out.data);
            }
        }

        @Override
        void backward() {
            if (bwd != null) {
                exec(bwd, DNNL_ARG_DIFF_DST, out.diff(), DNNL_ARG_WORKSPACE, workspace, DNNL_ARG_DIFF_SRC, inSlot);
            }
        }
    }

    /**
     * Batch normalisation. Training normalises with the batch's statistics and leaves, besides the gradients of
     * gamma and beta, DL4J's "gradients" of its running statistics: {@code (1 - decay) * (running - batch)} for the
     * mean, and for the log10 standard deviation {@code log10(std) - log10(std')} where {@code var' = decay * var +
     * (1 - decay) * batchVar} — its updater leaves them undivided and unscaled, so subtracting them moves the running
     * statistics exactly as DL4J's own layer does. Inference normalises with the running statistics.
     */
    private final class NormOp extends Op {
        final NetworkPlan.Norm spec;
        final Tensor in;
        final INDArray gamma;
        final INDArray beta;
        final memory scaleShift;
        final memory mean;
        final memory variance;
        final INDArray runningMean;
        final INDArray runningSpread;
        final batch_normalization_forward fwd;
        final float[] scaleShiftValues;
        batch_normalization_backward bwd;
        memory inSlot;
        memory diffScaleShift;
        INDArray gammaStep;
        INDArray betaStep;
        INDArray meanStep;
        INDArray spreadStep;
        final float[] batchMean;
        final float[] batchVariance;

        NormOp(NetworkPlan.Norm spec, Tensor in, Tensor out, Map<String, INDArray> parameters,
               Map<String, INDArray> gradients) {
            super(out);
            this.spec = spec;
            this.in = in;
            int channels = spec.channels();
            memory.desc perChannel = vector(channels);
            // gamma and beta side by side, as oneDNN's scale-shift argument wants them
            memory.desc pair = own(new memory.desc(new long[]{2, channels}, memory.data_type.f32,
                    memory.format_tag.nc));
            gamma = parameters.get(spec.name() + "_gamma");
            beta = parameters.get(spec.name() + "_beta");
            scaleShift = own(new memory(pair, cpu));
            scaleShiftValues = new float[2 * channels];
            runningMean = parameters.get(spec.name() + "_mean");
            runningSpread = parameters.get(spec.name() + (spec.logStd() ? "_log10stdev" : "_var"));
            mean = own(new memory(perChannel, cpu));
            variance = own(new memory(perChannel, cpu));
            batchMean = new float[channels];
            batchVariance = new float[channels];
            int flags = normalization_flags.use_scale_shift.value
                    | (training ? 0 : normalization_flags.use_global_stats.value);
            var fwdPd = own(new batch_normalization_forward.primitive_desc(own(new batch_normalization_forward.desc(
                    (training ? prop_kind.forward_training : prop_kind.forward_inference).value, in.md,
                    (float) spec.eps(), flags)), cpu));
            fwd = own(new batch_normalization_forward(fwdPd));
            if (!training) {
                return;
            }
            if (in.isInput()) {
                throw new IllegalStateException("batch normalisation of the input image is not compiled");
            }
            diffScaleShift = own(new memory(pair, cpu));
            gammaStep = gradients.get(spec.name() + "_gamma");
            betaStep = gradients.get(spec.name() + "_beta");
            meanStep = gradients.get(spec.name() + "_mean");
            spreadStep = gradients.get(spec.name() + (spec.logStd() ? "_log10stdev" : "_var"));
            bwd = own(new batch_normalization_backward(own(new batch_normalization_backward.primitive_desc(own(
                    new batch_normalization_backward.desc(prop_kind.backward.value, out.md, in.md,
                            (float) spec.eps(), flags)), cpu, fwdPd))));
            inSlot = in.slot();
        }

        /** Gamma and beta into oneDNN's pair; for inference also the running statistics (a variance, not log10 std). */
        @Override
        void loadWeights() {
            int channels = spec.channels();
            NativeArrays.floats(NativeArrays.address(gamma)).get(scaleShiftValues, 0, channels);
            NativeArrays.floats(NativeArrays.address(beta)).get(scaleShiftValues, channels, channels);
            NativeArrays.floats(scaleShift.get_data_handle()).put(scaleShiftValues, 0, scaleShiftValues.length);
            if (training) {
                return;
            }
            float[] m = new float[channels];
            float[] spread = new float[channels];
            NativeArrays.floats(NativeArrays.address(runningMean)).get(m, 0, channels);
            NativeArrays.floats(NativeArrays.address(runningSpread)).get(spread, 0, channels);
            for (int c = 0; c < channels; c++) {
                spread[c] = spec.logStd() ? (float) Math.pow(10, 2 * spread[c]) : spread[c];
            }
            NativeArrays.floats(mean.get_data_handle()).put(m, 0, channels);
            NativeArrays.floats(variance.get_data_handle()).put(spread, 0, channels);
        }

        @Override
        void forward() {
            exec(fwd, DNNL_ARG_SRC, in.data, DNNL_ARG_DST, out.data, DNNL_ARG_SCALE_SHIFT, scaleShift,
                    DNNL_ARG_MEAN, mean, DNNL_ARG_VARIANCE, variance);
        }

        @Override
        void backward() {
            exec(bwd, DNNL_ARG_SRC, in.data, DNNL_ARG_MEAN, mean, DNNL_ARG_VARIANCE, variance, DNNL_ARG_DIFF_DST,
                    out.diff(), DNNL_ARG_SCALE_SHIFT, scaleShift, DNNL_ARG_DIFF_SRC, inSlot,
                    DNNL_ARG_DIFF_SCALE_SHIFT, diffScaleShift);
        }

        @Override
        void afterBackward() {
            int channels = spec.channels();
            float[] diff = new float[2 * channels];
            NativeArrays.floats(diffScaleShift.get_data_handle()).get(diff, 0, diff.length);
            NativeArrays.floats(NativeArrays.address(gammaStep)).put(diff, 0, channels);
            NativeArrays.floats(NativeArrays.address(betaStep)).put(diff, channels, channels);
            NativeArrays.floats(mean.get_data_handle()).get(batchMean, 0, channels);
            NativeArrays.floats(variance.get_data_handle()).get(batchVariance, 0, channels);
            float[] m = new float[channels];
            float[] spread = new float[channels];
            NativeArrays.floats(NativeArrays.address(runningMean)).get(m, 0, channels);
            NativeArrays.floats(NativeArrays.address(runningSpread)).get(spread, 0, channels);
            double decay = spec.decay();
            float[] meanDelta = new float[channels];
            float[] spreadDelta = new float[channels];
            for (int c = 0; c < channels; c++) {
                meanDelta[c] = (float) ((m[c] - batchMean[c]) * (1 - decay));
                if (spec.logStd()) {
                    double var = Math.pow(10, 2 * spread[c]);
                    double next = decay * var + (1 - decay) * batchVariance[c];
                    spreadDelta[c] = (float) (Math.log(var / next) / (2 * Math.log(10)));
                } else {
                    spreadDelta[c] = (float) ((spread[c] - batchVariance[c]) * (1 - decay));
                }
            }
            NativeArrays.floats(NativeArrays.address(meanStep)).put(meanDelta, 0, channels);
            NativeArrays.floats(NativeArrays.address(spreadStep)).put(spreadDelta, 0, channels);
        }
    }

    /** A ReLU layer on its own (after batch normalisation). */
    private final class ReluOp extends Op {
        final Tensor in;
        final eltwise_forward fwd;
        eltwise_backward bwd;
        memory inSlot;

        ReluOp(Tensor in, Tensor out) {
            super(out);
            this.in = in;
            fwd = own(new eltwise_forward(own(new eltwise_forward.primitive_desc(own(new eltwise_forward.desc(
                    training ? prop_kind.forward_training : prop_kind.forward_inference,
                    algorithm.eltwise_relu_use_dst_for_bwd, in.md, 0f, 0f)), cpu))));
            if (training && !in.isInput()) {
                bwd = reluBackward(out.md);
                inSlot = in.slot();
            }
        }

        @Override
        void forward() {
            exec(fwd, DNNL_ARG_SRC, in.data, DNNL_ARG_DST, out.data);
        }

        @Override
        void backward() {
            if (bwd != null) {
                exec(bwd, DNNL_ARG_DST, out.data, DNNL_ARG_DIFF_DST, out.diff(), DNNL_ARG_DIFF_SRC, inSlot);
            }
        }
    }

    /** Channel concatenation; its backward hands each input its slice of the gradient. */
    private final class ConcatOp extends Op {
        final List<Tensor> in;
        final concat fwd;
        final List<reorder> slices = new ArrayList<>();
        final List<memory> sliceViews = new ArrayList<>();
        final List<memory> inSlots = new ArrayList<>();

        ConcatOp(List<Tensor> in, Tensor out) {
            super(out);
            this.in = in;
            fwd = own(new concat(own(new concat.primitive_desc(out.md, 1,
                    descs(in.stream().map(t -> t.md).toList()), cpu))));
            if (!training) {
                return;
            }
            long offset = 0;
            for (Tensor t : in) {
                long[] dims = {batch, t.channels, out.height, out.width};
                memory.desc slice = own(out.md.submemory_desc(dims, new long[]{0, offset, 0, 0}));
                memory view = own(new memory(slice, cpu, out.diff().get_data_handle()));
                sliceViews.add(view);
                memory slot = t.slot();
                inSlots.add(slot);
                slices.add(own(new reorder(view, slot)));
                offset += t.channels;
            }
        }

        @Override
        void forward() {
            Object[] args = new Object[2 * in.size() + 2];
            for (int i = 0; i < in.size(); i++) {
                args[2 * i] = DNNL_ARG_MULTIPLE_SRC + i;
                args[2 * i + 1] = in.get(i).data;
            }
            args[args.length - 2] = DNNL_ARG_DST;
            args[args.length - 1] = out.data;
            exec(fwd, args);
        }

        @Override
        void backward() {
            for (int i = 0; i < slices.size(); i++) {
                exec(slices.get(i), DNNL_ARG_FROM, sliceViews.get(i), DNNL_ARG_TO, inSlots.get(i));
            }
        }
    }

    /**
     * Global average pooling, softmax and cross-entropy on the last node's channels-last output, in Java (a few
     * thousand numbers), and the gradient of the batch's summed loss with respect to that output.
     */
    private final class Head {
        final Tensor last;
        final int classes;
        final int positions;
        final float[] output;
        final float[] gradient;
        final float[] labels;
        final float[] probabilities;

        Head(Tensor last, int classes) {
            this.last = last;
            this.classes = classes;
            this.positions = last.height * last.width;
            output = new float[batch * positions * classes];
            gradient = training ? new float[output.length] : null;
            labels = new float[batch * classes];
            probabilities = new float[batch * classes];
        }

        float[] probabilities() {
            NativeArrays.floats(last.data.get_data_handle()).get(output, 0, output.length);
            double[] p = new double[classes];
            for (int n = 0; n < batch; n++) {
                int base = n * positions * classes;
                Arrays.fill(p, 0);
                for (int q = 0; q < positions; q++) {
                    for (int c = 0; c < classes; c++) {
                        p[c] += output[base + q * classes + c];
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
                for (int c = 0; c < classes; c++) {
                    probabilities[n * classes + c] = (float) (p[c] / sum);
                }
            }
            return probabilities;
        }

        double lossAndGradient(INDArray oneHot) {
            NativeArrays.floats(NativeArrays.address(oneHot)).get(labels, 0, labels.length);
            double loss = 0;
            for (int n = 0; n < batch; n++) {
                int base = n * positions * classes;
                double labelSum = 0;
                for (int c = 0; c < classes; c++) {
                    double y = labels[n * classes + c];
                    labelSum += y;
                    if (y != 0) {
                        loss -= y * Math.log(Math.max(probabilities[n * classes + c], 1e-10));
                    }
                }
                for (int c = 0; c < classes; c++) {
                    float g = (float) ((probabilities[n * classes + c] * labelSum - labels[n * classes + c]) / positions);
                    for (int q = 0; q < positions; q++) {
                        gradient[base + q * classes + c] = g;
                    }
                }
            }
            NativeArrays.floats(last.diff().get_data_handle()).put(gradient, 0, gradient.length);
            return loss / batch;
        }
    }
}
