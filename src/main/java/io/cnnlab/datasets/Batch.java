package io.cnnlab.datasets;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Network-ready examples: NCHW features and one-hot labels.
 *
 * @param step the global training step this batch belongs to, or -1 for evaluation batches
 */
public record Batch(INDArray features, INDArray labels, long step) {

    public int size() {
        return (int) features.size(0);
    }
}
