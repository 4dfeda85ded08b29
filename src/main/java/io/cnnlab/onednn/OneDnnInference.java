package io.cnnlab.onednn;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.stream;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.HashMap;
import java.util.Map;

/**
 * A DL4J network's inference run on oneDNN directly: the forward pass of its {@link NetworkPlan}, channels-last,
 * bias and ReLU fused, each convolution's weights reordered into oneDNN's layout once per compiled batch size instead
 * of on every call. Batches are split into power-of-two parts (13 images: 8 + 4 + 1), so at most eight sizes up to
 * 128 are ever compiled and no image is computed twice.
 *
 * <p>For a network whose weights do not change (a loaded model version); {@link #reloadWeights()} after they do. Not
 * thread-safe: one caller at a time, like the network.
 */
public final class OneDnnInference implements AutoCloseable {

    private static final int LARGEST_PART = 128;

    private final NetworkPlan plan;
    private final engine cpu;
    private final stream stream;
    private final Map<String, org.nd4j.linalg.api.ndarray.INDArray> parameters;
    private final Map<Integer, CompiledPass> passes = new HashMap<>();

    private OneDnnInference(ComputationGraph net, NetworkPlan plan) {
        this.plan = plan;
        this.parameters = new HashMap<>(net.paramTable());
        cpu = new engine(engine.kind.cpu, 0);
        stream = new stream(cpu);
    }

    /** The engine for {@code net} reading images of {@code input}, or why DL4J's own path has to run it. */
    public static EngineChoice<OneDnnInference> of(ComputationGraph net, InputType input) {
        return EngineChoice.of(net, input, OneDnnInference::new);
    }

    public int classes() {
        return plan.classes();
    }

    /** Class probabilities of {@code count} preprocessed images held back to back (channels-first), one row each. */
    public float[][] output(float[] images, int count) {
        int imageLength = plan.channels() * plan.height() * plan.width();
        if (images.length < (long) count * imageLength) {
            throw new IllegalArgumentException("%d values do not hold %d images of %d".formatted(images.length, count,
                    imageLength));
        }
        float[][] rows = new float[count][];
        int done = 0;
        while (done < count) {
            int part = Math.min(LARGEST_PART, Integer.highestOneBit(count - done));
            float[] probabilities = pass(part).forward(images, done * imageLength);
            for (int i = 0; i < part; i++) {
                rows[done + i] = java.util.Arrays.copyOfRange(probabilities, i * plan.classes(),
                        (i + 1) * plan.classes());
            }
            done += part;
        }
        return rows;
    }

    /** Reads the network's weights (and running statistics) again, after they changed. */
    public void reloadWeights() {
        passes.values().forEach(CompiledPass::loadWeights);
    }

    private CompiledPass pass(int size) {
        return passes.computeIfAbsent(size, n -> {
            CompiledPass pass = new CompiledPass(cpu, stream, plan, n, parameters, null);
            pass.loadWeights();
            return pass;
        });
    }

    @Override
    public void close() {
        passes.values().forEach(CompiledPass::close);
        passes.clear();
        stream.close();
        cpu.close();
    }
}
