package io.cnnlab.onednn;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.stream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DL4J network's training step run on oneDNN directly (issue 18): the forward and backward passes of a
 * {@link NetworkPlan}, compiled once per batch size, reading DL4J's parameters and writing DL4J's gradients in place;
 * then DL4J's own updater and step counter, so the updater state, schedules and checkpoints are exactly what
 * {@code net.fit} would have left (the arithmetic agrees with it to float rounding, {@code OneDnnTrainingTest}).
 *
 * <p>Not thread-safe, like the network itself: one trainer at a time.
 */
public final class OneDnnTraining implements AutoCloseable {

    private final ComputationGraph net;
    private final NetworkPlan plan;
    private final engine cpu;
    private final stream stream;
    private final Map<String, INDArray> parameters = new HashMap<>();
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();
    private final Gradient gradient;
    private final Map<Integer, CompiledPass> passes = new HashMap<>();

    private OneDnnTraining(ComputationGraph net, NetworkPlan plan) {
        this.net = net;
        this.plan = plan;
        if (net.getGradientsViewArray() == null) {
            net.initGradientsView();
        }
        gradient = new DefaultGradient(net.getGradientsViewArray());
        for (Layer layer : net.getLayers()) {
            if (layer.numParams() == 0) {
                continue;
            }
            String name = layer.conf().getLayer().getLayerName();
            Map<String, INDArray> views = layer.conf().getLayer().initializer()
                    .getGradientsFromFlattened(layer.conf(), layer.getGradientsViewArray());
            views.forEach((param, view) -> {
                gradients.put(name + "_" + param, view);
                gradient.setGradientFor(name + "_" + param, view);
                parameters.put(name + "_" + param, net.getParam(name + "_" + param));
            });
        }
        cpu = new engine(engine.kind.cpu, 0);
        stream = new stream(cpu);
    }

    /** The engine for {@code net} reading images of {@code input}, or why DL4J's own path has to run it. */
    public static EngineChoice<OneDnnTraining> of(ComputationGraph net, InputType input) {
        return EngineChoice.of(net, input, OneDnnTraining::new);
    }

    /**
     * One step on a batch: channels-first features as the preprocessing makes them and one-hot labels. Returns the
     * batch's mean loss, which is also the network's score afterwards.
     */
    public double fit(INDArray features, INDArray labels) {
        if (features.rank() != 4 || features.size(1) != plan.channels() || features.size(2) != plan.height()
                || features.size(3) != plan.width()) {
            throw new IllegalArgumentException("the network was compiled for %dx%dx%d images, not %s"
                    .formatted(plan.channels(), plan.height(), plan.width(), java.util.Arrays.toString(features.shape())));
        }
        int batch = (int) features.size(0);
        CompiledPass pass = passes.computeIfAbsent(batch,
                size -> new CompiledPass(cpu, stream, plan, size, parameters, gradients));
        INDArray dense = NativeArrays.denseRowMajor(features) ? features : features.dup('c');
        INDArray oneHot = NativeArrays.denseRowMajor(labels) ? labels : labels.dup('c');
        pass.loadWeights();
        double loss = pass.forwardBackward(dense, oneHot);
        net.getUpdater().update(gradient, BaseOptimizer.getIterationCount(net), BaseOptimizer.getEpochCount(net),
                batch, LayerWorkspaceMgr.noWorkspaces());
        INDArray params = net.params();
        params.subi(net.getGradientsViewArray().reshape(params.shape()));
        BaseOptimizer.incrementIterationCount(net, 1);
        net.setScore(loss);
        return loss;
    }

    @Override
    public void close() {
        passes.values().forEach(CompiledPass::close);
        passes.clear();
        stream.close();
        cpu.close();
    }
}
