package io.cnnlab.inference;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.architectures.NetworkSettings;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The batcher waits only for requests that are on their way, and answers each with its own rows. */
class ModelRunnerTest {

    private static final int[] INPUT = {3, 24, 24};
    private static final int SIZE = 3 * 24 * 24;
    private static final long LONG_DELAY = TimeUnit.SECONDS.toNanos(30);

    private final List<Integer> batches = new CopyOnWriteArrayList<>();
    private ModelRunner runner;

    private ModelRunner runner(long maxDelayNanos) {
        return runner(network("baseline"), maxDelayNanos);
    }

    private ModelRunner runner(ComputationGraph net, long maxDelayNanos) {
        runner = new ModelRunner("test", net, INPUT, 64, maxDelayNanos, 16, 1, batches::add);
        return runner;
    }

    private static ComputationGraph network(String architecture) {
        ComputationGraph net = new ComputationGraph(Architectures.offered().get(architecture).configuration(NetworkSettings.defaults()));
        net.init();
        return net;
    }

    @AfterEach
    void close() {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void rowsComeOutTheSameWhateverTheOutputsLayout() {
        float[][] expected = {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}};
        INDArray plain = Nd4j.create(expected);
        INDArray columnMajor = plain.dup('f');
        INDArray tall = Nd4j.arange(-8, 16).castTo(DataType.FLOAT).reshape('c', 6, 4);
        INDArray middleRows = tall.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all()); // a view at offset 8

        assertThat(ModelRunner.rows(plain, 3)).isEqualTo(expected);
        assertThat(ModelRunner.rows(columnMajor, 3)).isEqualTo(expected);
        assertThat(middleRows.offset()).isEqualTo(8);
        assertThat(ModelRunner.rows(middleRows, 3)).isEqualTo(expected);
    }

    private static float[] images(int n, float value) {
        float[] inputs = new float[n * SIZE];
        java.util.Arrays.fill(inputs, value);
        return inputs;
    }

    @Test
    void aRequestNobodyElseIsComingForRunsAtOnceDespiteALongMaxDelay() throws Exception {
        ModelRunner runner = runner(LONG_DELAY);

        float[][] rows = runner.submit(images(2, 0.5f), 2).get(10, TimeUnit.SECONDS);

        assertThat(rows).hasNumberOfRows(2);
        assertThat(batches).containsExactly(2);
    }

    @Test
    void theBatcherWaitsForARequestStillBeingDecodedAndRunsBothTogether() throws Exception {
        ModelRunner runner = runner(LONG_DELAY);
        ModelRunner.Arrival decoding = runner.expect();

        CompletableFuture<float[][]> first = runner.submit(images(1, 0.1f), 1);
        float[][] second = decoding.submit(images(3, -0.4f), 3).get(10, TimeUnit.SECONDS);

        assertThat(first.get(10, TimeUnit.SECONDS)).hasNumberOfRows(1);
        assertThat(second).hasNumberOfRows(3);
        assertThat(batches).containsExactly(4);
        // each request got the rows of its own images: equal inputs give equal rows, different ones differ
        assertThat(second[0]).containsExactly(second[2]);
        assertThat(first.get()[0]).isNotEqualTo(second[0]);
    }

    @Test
    void anArrivalThatFailsToDecodeStopsTheWaitAndTheOthersRun() throws Exception {
        ModelRunner runner = runner(LONG_DELAY);
        ModelRunner.Arrival failing = runner.expect();
        CompletableFuture<float[][]> waiting = runner.submit(images(1, 0.2f), 1);

        failing.close();

        assertThat(waiting.get(10, TimeUnit.SECONDS)).hasNumberOfRows(1);
        assertThat(batches).containsExactly(1);
    }

    @Test
    void maxDelayBoundsTheWaitForAnArrivalThatNeverSubmits() throws Exception {
        ModelRunner runner = runner(Duration.ofMillis(50).toNanos());
        try (ModelRunner.Arrival slow = runner.expect()) {
            assertThat(runner.submit(images(1, 0.3f), 1).get(10, TimeUnit.SECONDS)).hasNumberOfRows(1);
        }
        assertThat(batches).containsExactly(1);
    }

    /**
     * Batches of any size are split back into the rows a plain DL4J pass of the same network gives: to float rounding,
     * as serving runs on the oneDNN engine (an image's row in another image's place would differ by far more).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"baseline", "combined"})
    void eachRequestGetsExactlyTheRowsAPlainPassGives(String architecture) throws Exception {
        ComputationGraph net = network(architecture);
        ComputationGraph plain = net.clone();
        ModelRunner runner = runner(net, 0);
        java.util.Random random = new java.util.Random(11);

        for (int pass = 0; pass < 12; pass++) {
            int images = pass == 0 ? 64 : 1 + random.nextInt(8);
            float[] inputs = new float[images * SIZE];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = (float) random.nextGaussian();
            }

            float[][] answered = runner.submit(inputs, images).get(30, TimeUnit.SECONDS);

            float[][] expected = plain.outputSingle(false,
                    org.nd4j.linalg.factory.Nd4j.create(inputs, new long[]{images, 3, 24, 24})).toFloatMatrix();
            assertThat(answered).as("pass %d", pass).hasNumberOfRows(images);
            for (int i = 0; i < images; i++) {
                assertThat(answered[i]).as("pass %d, image %d of %d", pass, i, images)
                        .containsExactly(expected[i], org.assertj.core.api.Assertions.within(2e-5f));
            }
        }
    }
}
