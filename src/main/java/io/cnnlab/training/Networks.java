package io.cnnlab.training;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.NetworkSettings;
import io.cnnlab.nativeruntime.NativeBackend;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Creates networks for training. Every new network passes through here so the oneDNN layer helpers are switched on
 * before its layers are built.
 */
public final class Networks {

    private Networks() {
    }

    public static ComputationGraph create(Architecture architecture, TrainingPlan plan) {
        NativeBackend.activate();
        var settings = new NetworkSettings(plan.seed(), new Adam(plan.learningRate().schedule()),
                plan.weightStddev(), plan.biasInit());
        ComputationGraph net = new ComputationGraph(architecture.configuration(settings));
        net.init();
        return net;
    }

    /** Global steps the network has taken (DL4J counts them in its configuration). */
    public static long steps(ComputationGraph net) {
        return net.getConfiguration().getIterationCount();
    }
}
