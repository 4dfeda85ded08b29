package io.cnnlab.peer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;

import java.util.ArrayList;
import java.util.List;

/**
 * The service's seed networks (src/main/java/io/cnnlab/architectures) rebuilt layer for layer in DJL: every
 * convolution stride 1 with "same" padding and a bias, max pooling 2x2/2, batch normalisation with epsilon 1e-3 and
 * decay 0.9, channels first. The parameter counts the benchmark prints match the engine's (baseline 123,338).
 */
final class PeerNetworks {

    static final List<String> NAMES = List.of("baseline", "factorized", "multibranch", "batchnorm", "combined");

    private static final int CLASSES = 10;

    /** A branch of a combined block, as in Combined.Branch: a k x k kernel (k = 1: a 1x1) via {@code inner} maps. */
    private record Branch(int kernel, int inner, int width) {
    }

    private static final List<Branch> BLOCK_12 = List.of(new Branch(1, 0, 64), new Branch(3, 64, 96), new Branch(5, 48, 64));
    private static final List<Branch> BLOCK_6 = List.of(new Branch(1, 0, 128), new Branch(3, 128, 192), new Branch(7, 96, 128));

    private PeerNetworks() {
    }

    /** The recipe's constant learning rate at the start (the seed's decays start after 800-1,000 steps). */
    static float learningRate(String name) {
        return switch (name) {
            case "batchnorm" -> 0.04f;
            case "combined" -> 3e-3f;
            default -> 1e-4f;
        };
    }

    static Block create(String name) {
        return switch (name) {
            case "baseline" -> seed(new SequentialBlock().add(conv(5, 5, 64, true)), false);
            case "factorized" -> seed(new SequentialBlock().add(conv(5, 1, 64, true)).add(conv(1, 5, 64, true)), false);
            case "multibranch" -> seed(concat(List.of(conv(1, 1, 64, true), conv(3, 3, 64, true), conv(5, 5, 64, true),
                    conv(7, 7, 64, true))), false);
            case "batchnorm" -> seed(conv(5, 5, 64, false), true);
            case "combined" -> combined();
            default -> throw new IllegalArgumentException("unknown network " + name + "; known: " + NAMES);
        };
    }

    /** conv1 5x5 (64) > [BN] > ReLU > pool > conv2 (given) > [BN > ReLU] > pool > conv3 5x5 (10, ReLU) > avg. */
    private static Block seed(Block conv2, boolean batchNorm) {
        SequentialBlock net = new SequentialBlock();
        net.add(conv(5, 5, 64, !batchNorm));
        if (batchNorm) {
            net.add(batchNorm()).add(Activation.reluBlock());
        }
        net.add(maxPool());
        net.add(conv2);
        if (batchNorm) {
            net.add(batchNorm()).add(Activation.reluBlock());
        }
        net.add(maxPool());
        net.add(conv(5, 5, CLASSES, true));
        net.add(Pool.globalAvgPool2dBlock());
        return net;
    }

    /** Combined.configuration: stem pair, pool, BN, ReLU; block at 12x12, pool, BN, ReLU; two blocks at 6x6. */
    private static Block combined() {
        SequentialBlock net = new SequentialBlock();
        net.add(pair(new Branch(3, 32, 64)));
        net.add(maxPool()).add(batchNorm()).add(Activation.reluBlock());
        net.add(block(BLOCK_12));
        net.add(maxPool()).add(batchNorm()).add(Activation.reluBlock());
        net.add(block(BLOCK_6)).add(batchNorm()).add(Activation.reluBlock());
        net.add(block(BLOCK_6)).add(batchNorm()).add(Activation.reluBlock());
        net.add(conv(1, 1, CLASSES, false));
        net.add(Pool.globalAvgPool2dBlock());
        return net;
    }

    private static Block block(List<Branch> branches) {
        List<Block> outputs = new ArrayList<>();
        for (Branch branch : branches) {
            outputs.add(pair(branch));
        }
        return concat(outputs);
    }

    /** k x 1 (ReLU) then 1 x k (linear); k = 1 a single linear 1x1. */
    private static Block pair(Branch branch) {
        int k = branch.kernel();
        if (k == 1) {
            return conv(1, 1, branch.width(), false);
        }
        return new SequentialBlock().add(conv(k, 1, branch.inner(), true)).add(conv(1, k, branch.width(), false));
    }

    private static Block concat(List<Block> branches) {
        return new ParallelBlock(outputs -> {
            NDList heads = new NDList(outputs.size());
            for (NDList output : outputs) {
                heads.add(output.singletonOrThrow());
            }
            NDArray joined = NDArrays.concat(heads, 1);
            return new NDList(joined);
        }, branches);
    }

    private static Block conv(int kernelHeight, int kernelWidth, int filters, boolean relu) {
        Block conv = Conv2d.builder()
                .setKernelShape(new Shape(kernelHeight, kernelWidth))
                .optStride(new Shape(1, 1))
                .optPadding(new Shape(kernelHeight / 2, kernelWidth / 2))
                .setFilters(filters)
                .build();
        return relu ? new SequentialBlock().add(conv).add(Activation.reluBlock()) : conv;
    }

    private static Block maxPool() {
        return Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2));
    }

    private static Block batchNorm() {
        return BatchNorm.builder().optEpsilon(1e-3f).optMomentum(0.9f).build();
    }
}
