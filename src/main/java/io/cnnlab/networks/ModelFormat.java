package io.cnnlab.networks;

import io.cnnlab.nativeruntime.NativeBackend;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The one file format of networks: checkpoints, registered model versions and imports are all written and read here
 * (DL4J's zip of configuration, coefficients and updater state).
 */
public final class ModelFormat {

    private ModelFormat() {
    }

    /** Writes weights, configuration and updater state. */
    public static void write(ComputationGraph net, OutputStream out) throws IOException {
        ModelSerializer.writeModel(net, out, true);
    }

    /** Reads what {@link #write} wrote; training continues where it stopped (updater state and step count). */
    public static ComputationGraph read(InputStream in) throws IOException {
        NativeBackend.activate();
        return ModelSerializer.restoreComputationGraph(in, true);
    }
}
