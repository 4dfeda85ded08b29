package io.cnnlab.inference;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.architectures.NetworkSettings;
import io.cnnlab.datasets.CifarFixtures;
import io.cnnlab.datasets.LabelledImages;
import io.cnnlab.datasets.Preprocessing;
import io.cnnlab.networks.InputDescription;
import io.cnnlab.evaluation.Evaluation;
import io.cnnlab.evaluation.Evaluator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Flip averaging changes the figures exactly when the pictures are not mirror-symmetric. */
class FlipAveragingTest {

    private final Preprocessing preprocessing = new Preprocessing(InputDescription.SEED.crop());
    private final Evaluator evaluator = new Evaluator(preprocessing, 7);

    private static ComputationGraph network() {
        ComputationGraph net = new ComputationGraph(Architectures.seed().get("baseline").configuration(NetworkSettings.defaults()));
        net.init();
        return net;
    }

    private static LabelledImages symmetric(LabelledImages images) {
        byte[] pixels = images.pixels().clone();
        for (int row = 0; row < pixels.length / 32; row++) {
            for (int x = 16; x < 32; x++) {
                pixels[row * 32 + x] = pixels[row * 32 + 31 - x];
            }
        }
        return new LabelledImages(pixels, images.labels(), images.channels(), images.height(), images.width(), images.classes());
    }

    @Test
    void onMirrorSymmetricPicturesFlipAveragingChangesNothing() {
        ComputationGraph net = network();
        LabelledImages pictures = symmetric(CifarFixtures.images(20, 3));

        Evaluation plain = evaluator.evaluate(net, pictures);
        Evaluation flipped = evaluator.evaluate(net, pictures, FlipAveraging.probe(preprocessing, pictures.channels()));

        assertThat(flipped.images()).isEqualTo(20);
        assertThat(flipped.accuracy()).isEqualTo(plain.accuracy());
        assertThat(flipped.loss()).isCloseTo(plain.loss(), within(1e-5));
    }

    @Test
    void onOrdinaryPicturesFlipAveragingGivesItsOwnLoss() {
        ComputationGraph net = network();
        LabelledImages pictures = CifarFixtures.images(20, 3);

        Evaluation plain = evaluator.evaluate(net, pictures);
        Evaluation flipped = evaluator.evaluate(net, pictures, FlipAveraging.probe(preprocessing, pictures.channels()));

        assertThat(flipped.loss()).isNotCloseTo(plain.loss(), within(1e-7));
        assertThat(flipped.accuracy()).isBetween(0.0, 1.0);
    }

    @Test
    void averagedRowsAreTheMeanOfEachImageAndItsMirror() {
        float[][] rows = {{0.2f, 0.8f}, {1f, 0f}, {0.6f, 0.4f}, {0f, 1f}};

        float[][] averaged = FlipAveraging.averaged(rows, 2);

        assertThat(averaged).hasDimensions(2, 2);
        assertThat(averaged[0]).containsExactly(0.4f, 0.6f);
        assertThat(averaged[1]).containsExactly(0.5f, 0.5f);
    }
}
