package io.cnnlab.architectures;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

import static io.cnnlab.architectures.SeedLayers.batchNorm;
import static io.cnnlab.architectures.SeedLayers.conv;
import static io.cnnlab.architectures.SeedLayers.graph;
import static io.cnnlab.architectures.SeedLayers.maxPool2x2;
import static io.cnnlab.architectures.SeedLayers.relu;

/**
 * The three techniques together, as Inception-v3 combines them: multi-branch blocks whose larger kernels are
 * factorised (3x3 into 3x1 + 1x3, 5x5 into 5x1 + 1x5, 7x7 into 7x1 + 1x7), with batch normalisation.
 *
 * <p>Shaped by what costs time in DL4J on a CPU, measured layer by layer, rather than by MACs alone: a batch
 * normalisation costs about as much as a 3x3 convolution over the same maps, so there is one per block, on the
 * concatenated branches, and at 24x24 and 12x12 it comes after the max-pooling (a quarter of the values; a different
 * order from conv-BN-ReLU-pool, equivalent only where gamma stays positive, chosen for the cost and measured by the
 * results). The inner half of each factorised pair takes its ReLU
 * directly. The classifier keeps the seed's shape (a convolution to 10 maps, global average pooling) without the
 * seed's ReLU before the pooling, which clips negative evidence.
 *
 * <p>Three ablations switch one technique off each and keep everything else: {@code combined-no-bn} (no batch
 * normalisation), {@code combined-no-factorisation} (each k x 1 + 1 x k pair is one k x k convolution),
 * {@code combined-single-branch} (each block is only its 3x1 + 1x3 branch, as wide as the whole block was).
 */
final class Combined implements Architecture {

    /** One branch of a block: a k x k kernel (k = 1: a 1x1 convolution) to {@code width} maps via {@code inner}. */
    private record Branch(int kernel, int inner, int width) {
    }

    private static final List<Branch> BLOCK_12 = List.of(new Branch(1, 0, 64), new Branch(3, 64, 96), new Branch(5, 48, 64));
    private static final List<Branch> BLOCK_6 = List.of(new Branch(1, 0, 128), new Branch(3, 128, 192), new Branch(7, 96, 128));

    private static final String CLASSIFIER = "logits";

    private final String name;
    private final boolean batchNormalised;
    private final boolean factorised;
    private final boolean multiBranch;

    private Combined(String name, boolean batchNormalised, boolean factorised, boolean multiBranch) {
        this.name = name;
        this.batchNormalised = batchNormalised;
        this.factorised = factorised;
        this.multiBranch = multiBranch;
    }

    public Combined() {
        this("combined", true, true, true);
    }

    static Combined withoutBatchNorm() {
        return new Combined("combined-no-bn", false, true, true);
    }

    static Combined withoutFactorisation() {
        return new Combined("combined-no-factorisation", true, false, true);
    }

    static Combined withSingleBranch() {
        return new Combined("combined-single-branch", true, true, false);
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Not the seed's network, so not the seed's rate: 3e-3, x0.6 every 800 steps, which ends a half-hour budget
     * (about 4,500 steps here) near 2e-4. The ablations keep it, so that only the technique differs.
     */
    @Override
    public Recipe recipe() {
        return Recipe.SEED.withLearningRate(new LearningRate(3e-3, 0.6, 800));
    }

    @Override
    public String classifierLayer() {
        return CLASSIFIER;
    }

    @Override
    public String description() {
        String blocks = "multi-branch blocks (1x1, 3x3, 5x5 at 12x12; 1x1, 3x3, 7x7 at 6x6)";
        if (!multiBranch) {
            blocks = "single-branch blocks (3x3 only, as wide as the multi-branch blocks)";
        }
        return (factorised ? "factorised kernels (k x 1 + 1 x k) in " : "unfactorised k x k kernels in ") + blocks
                + (batchNormalised ? ", batch normalisation once per block" : ", no batch normalisation")
                + "; one block at 12x12, two at 6x6, no ReLU before global average pooling";
    }

    @Override
    public ComputationGraphConfiguration configuration(NetworkSettings settings) {
        GraphBuilder graph = graph(settings);
        String x = pair(graph, "stem", "input", new Branch(3, 32, 64));
        x = normalisedAfterPooling(graph, "stem", x);
        x = block(graph, "a1", x, BLOCK_12);
        x = normalisedAfterPooling(graph, "a1", x);
        x = activated(graph, "b1", block(graph, "b1", x, BLOCK_6));
        x = activated(graph, "b2", block(graph, "b2", x, BLOCK_6));
        graph.addLayer(CLASSIFIER, conv(1, 1, settings.classes(), Activation.IDENTITY), x)
                .addLayer("avgpool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), CLASSIFIER)
                .addLayer("output", new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).build(), "avgpool")
                .setOutputs("output");
        return graph.build();
    }

    /** The branches side by side and concatenated, before any normalisation or ReLU. */
    private String block(GraphBuilder graph, String block, String input, List<Branch> branches) {
        if (!multiBranch) {
            Branch three = branches.get(1);
            int width = branches.stream().mapToInt(Branch::width).sum();
            return pair(graph, block, input, new Branch(three.kernel(), three.inner(), width));
        }
        List<String> outputs = new ArrayList<>();
        for (Branch branch : branches) {
            outputs.add(pair(graph, block + "_" + branch.kernel(), input, branch));
        }
        graph.addVertex(block + "_concat", new MergeVertex(), outputs.toArray(String[]::new));
        return block + "_concat";
    }

    /** One branch's convolutions, linear at the end: k x 1 (ReLU) then 1 x k when factorised, else one k x k. */
    private String pair(GraphBuilder graph, String name, String input, Branch branch) {
        int k = branch.kernel();
        if (k == 1 || !factorised) {
            graph.addLayer(name + "_" + k + "x" + k, conv(k, k, branch.width(), Activation.IDENTITY), input);
            return name + "_" + k + "x" + k;
        }
        graph.addLayer(name + "_" + k + "x1", conv(k, 1, branch.inner()), input)
                .addLayer(name + "_1x" + k, conv(1, k, branch.width(), Activation.IDENTITY), name + "_" + k + "x1");
        return name + "_1x" + k;
    }

    private String normalisedAfterPooling(GraphBuilder graph, String name, String input) {
        graph.addLayer(name + "_pool", maxPool2x2(), input);
        return activated(graph, name, name + "_pool");
    }

    private String activated(GraphBuilder graph, String name, String input) {
        String x = input;
        if (batchNormalised) {
            graph.addLayer(name + "_bn", batchNorm(), x);
            x = name + "_bn";
        }
        graph.addLayer(name + "_relu", relu(), x);
        return name + "_relu";
    }
}
