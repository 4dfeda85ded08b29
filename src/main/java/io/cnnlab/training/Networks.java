package io.cnnlab.training;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.nativeruntime.NativeBackend;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Creates networks for training. Every new network passes through here so the oneDNN layer helpers are switched on
 * before its layers are built.
 */
public final class Networks {

    private Networks() {
    }

    public static ComputationGraph create(Architecture architecture, TrainingPlan plan) {
        return create(architecture, plan, Architecture.CLASSES);
    }

    /** A new network with one output per class of a data set of {@code classes} classes. */
    public static ComputationGraph create(Architecture architecture, TrainingPlan plan, int classes) {
        NativeBackend.activate();
        ComputationGraph net = new ComputationGraph(
                architecture.configuration(plan.recipe().networkSettings().withClasses(classes)));
        net.init();
        return net;
    }

    /** Global steps the network has taken (DL4J counts them in its configuration). */
    public static long steps(ComputationGraph net) {
        return net.getConfiguration().getIterationCount();
    }
}
