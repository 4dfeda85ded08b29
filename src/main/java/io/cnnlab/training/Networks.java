package io.cnnlab.training;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.NetworkSettings;
import io.cnnlab.nativeruntime.NativeBackend;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.learning.config.Adam;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Creates, writes and reads networks. Every network passes through here so the oneDNN layer helpers are switched on
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

    /** Writes weights, configuration and updater state (DL4J's zip format). */
    public static void write(ComputationGraph net, OutputStream out) throws IOException {
        ModelSerializer.writeModel(net, out, true);
    }

    /** Reads what {@link #write} wrote; training continues where it stopped (updater state and step count). */
    public static ComputationGraph read(InputStream in) throws IOException {
        NativeBackend.activate();
        return ModelSerializer.restoreComputationGraph(in, true);
    }

    /** Global steps the network has taken (DL4J counts them in its configuration). */
    public static long steps(ComputationGraph net) {
        return net.getConfiguration().getIterationCount();
    }
}
