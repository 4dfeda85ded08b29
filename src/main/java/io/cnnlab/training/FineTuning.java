package io.cnnlab.training;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.NetworkSettings;
import io.cnnlab.nativeruntime.NativeBackend;
import org.deeplearning4j.nn.conf.distribution.TruncatedNormalDistribution;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;

import java.util.List;

/**
 * A trained network made the start of a new run (DL4J's {@link TransferLearning}): the classifier layer gets one
 * output per class of the new data set when the count differs (new weights drawn as the recipe draws them), the rest
 * keeps its weights; {@code freeze} fixes every layer up to the one the classifier reads. The updater is the job's
 * recipe's, with fresh state, and the step count starts at zero, so the learning-rate schedule starts from its top.
 */
final class FineTuning {

    private FineTuning() {
    }

    static ComputationGraph from(ComputationGraph source, Architecture architecture, TrainingPlan plan, int classes,
                                 boolean freeze) {
        NativeBackend.activate();
        NetworkSettings settings = plan.recipe().networkSettings().withClasses(classes);
        String classifier = architecture.classifierLayer();
        if (source.getConfiguration().getVertices().get(classifier) == null) {
            throw new IllegalArgumentException("the network has no classifier layer '%s' (not a %s network)"
                    .formatted(classifier, architecture.name()));
        }
        TransferLearning.GraphBuilder builder = new TransferLearning.GraphBuilder(source)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder()
                        .seed(settings.seed())
                        .updater(settings.updater())
                        .biasInit(settings.biasInit())
                        .build());
        if (outputs(source, classifier) != classes) {
            builder.nOutReplace(classifier, classes, new TruncatedNormalDistribution(0, settings.weightStddev()));
        }
        if (freeze) {
            List<String> features = source.getConfiguration().getVertexInputs().get(classifier);
            builder.setFeatureExtractor(features.toArray(String[]::new));
        }
        ComputationGraph net = builder.build();
        // a new run: step and epoch counts (and so the learning-rate schedule) start again
        net.getConfiguration().setIterationCount(0);
        net.getConfiguration().setEpochCount(0);
        return net;
    }

    /** The classifier layer's outputs: the class count the source network predicts. */
    static long outputs(ComputationGraph net, String classifier) {
        GraphVertex vertex = net.getVertex(classifier);
        return ((FeedForwardLayer) vertex.getLayer().conf().getLayer()).getNOut();
    }
}
