package io.cnnlab.training;

import java.io.IOException;
import java.io.OutputStream;

/** The network at a step, with its updater state, ready to be written as a checkpoint. */
public interface NetworkSnapshot {

    /** Global steps the network has completed. */
    long step();

    void writeTo(OutputStream out) throws IOException;
}
