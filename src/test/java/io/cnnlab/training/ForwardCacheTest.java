package io.cnnlab.training;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.nativeruntime.NativeBackend;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed networks keep each convolution's forward result for its backward pass (DL4J's cache mode) instead of
 * computing the convolution a second time: the same steps must give the same parameters as without the cache.
 */
class ForwardCacheTest {

    @BeforeAll
    static void helpersOn() {
        NativeBackend.activate();
    }

    @ParameterizedTest
    @ValueSource(strings = {"baseline", "batchnorm"})
    void cachedForwardPassesTrainExactlyAsRecomputedOnes(String name) {
        Architecture architecture = Architectures.seed().get(name);
        ComputationGraphConfiguration cached = architecture.configuration(
                TrainingPlan.seedDefaults(architecture).recipe().networkSettings());
        assertThat(cached.getCacheMode()).isEqualTo(CacheMode.DEVICE);
        ComputationGraphConfiguration recomputed = cached.clone();
        recomputed.setCacheMode(CacheMode.NONE);

        ComputationGraph withCache = new ComputationGraph(cached);
        withCache.init();
        ComputationGraph without = new ComputationGraph(recomputed);
        without.init();
        INDArray initial = withCache.params().dup();
        assertThat(without.params()).isEqualTo(initial);

        Nd4j.getRandom().setSeed(7);
        INDArray images = Nd4j.randn(DataType.FLOAT, 8, 3, 24, 24);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 8, 10);
        for (int i = 0; i < 8; i++) {
            labels.putScalar(i, (i * 3) % 10, 1);
        }
        DataSet batch = new DataSet(images, labels);
        for (int step = 0; step < 3; step++) {
            withCache.fit(batch);
            without.fit(batch);
        }
        assertThat(withCache.params()).isNotEqualTo(initial).isEqualTo(without.params());
    }
}
