package io.cnnlab.architectures;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;

/** One network variant: a name users pick and the DL4J configuration it stands for. */
public interface Architecture {

    /** The seed's networks all take {@link io.cnnlab.networks.InputDescription#SEED}. */
    InputType INPUT = SeedLayers.INPUT;

    /** Number of CIFAR-10 classes every network predicts. */
    int CLASSES = 10;

    String name();

    /** One sentence for users choosing between variants. */
    String description();

    ComputationGraphConfiguration configuration(NetworkSettings settings);

    /** How the network trains by default (the seed's recipe unless the network needs another learning rate). */
    default Recipe recipe() {
        return Recipe.SEED;
    }

    default NetworkCost cost() {
        return NetworkCost.of(configuration(recipe().networkSettings()), INPUT);
    }
}
