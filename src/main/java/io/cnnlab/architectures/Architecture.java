package io.cnnlab.architectures;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;

/** One network variant: a name users pick and the DL4J configuration it stands for. */
public interface Architecture {

    /** The seed's networks all take {@link io.cnnlab.networks.InputDescription#SEED}. */
    InputType INPUT = SeedLayers.INPUT;

    /** Number of CIFAR-10 classes, what a network predicts unless its settings name another count. */
    int CLASSES = 10;

    /** The classifier layer, whose outputs are the classes: the one fine-tuning replaces when the count differs. */
    default String classifierLayer() {
        return SeedLayers.CLASSIFIER;
    }

    String name();

    /** One sentence for users choosing between variants. */
    String description();

    ComputationGraphConfiguration configuration(NetworkSettings settings);

    /** How the network trains by default (the seed's recipe unless the network needs another learning rate). */
    default Recipe recipe() {
        return Recipe.SEED;
    }

    default NetworkCost cost() {
        return cost(CLASSES);
    }

    /** Parameters and MACs of the network built for {@code classes} classes. */
    default NetworkCost cost(int classes) {
        return NetworkCost.of(configuration(recipe().networkSettings().withClasses(classes)), INPUT);
    }
}
