package io.cnnlab.datasets;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BatchSourceTest {

    private final LabelledImages images = CifarFixtures.images(100, 1);
    private final Preprocessing preprocessing = new Preprocessing(24);

    @Test
    void batchesHaveNchwShapeAndOneHotLabels() {
        var source = new BatchSource(images, preprocessing, 16, Augmentation.seedDefaults(), 42);

        Batch batch = source.trainingBatch(0, 0, 0);

        assertThat(batch.features().shape()).containsExactly(16, 3, 24, 24);
        assertThat(batch.labels().shape()).containsExactly(16, 10);
        assertThat(batch.labels().sum(1).toFloatVector()).containsOnly(1f);
        assertThat(source.stepsPerEpoch()).isEqualTo(6);
    }

    @Test
    void aBatchIsAPureFunctionOfSeedEpochAndIndex() {
        var first = new BatchSource(images, preprocessing, 16, Augmentation.seedDefaults(), 42);
        var second = new BatchSource(images, preprocessing, 16, Augmentation.seedDefaults(), 42);
        second.trainingBatch(3, 1, 0); // a different history must not matter

        assertThat(second.trainingBatch(1, 2, 0).features()).isEqualTo(first.trainingBatch(1, 2, 0).features());
        assertThat(first.trainingBatch(1, 2, 0).features()).isNotEqualTo(first.trainingBatch(2, 2, 0).features());
        var otherSeed = new BatchSource(images, preprocessing, 16, Augmentation.seedDefaults(), 43);
        assertThat(otherSeed.trainingBatch(1, 2, 0).features()).isNotEqualTo(first.trainingBatch(1, 2, 0).features());
    }

    @Test
    void anEpochVisitsEveryImageOnceInAnOrderThatChangesPerEpochAndRepeatsForTheSameSeedAndEpoch() {
        var source = new BatchSource(images, preprocessing, 10, Augmentation.none(), 42);

        List<String> epoch0 = order(source, 0);
        List<String> epoch1 = order(source, 1);
        List<String> epoch0Again = order(source, 0); // after another epoch was shuffled in between
        List<String> epoch0OtherSource = order(new BatchSource(images, preprocessing, 10, Augmentation.none(), 42), 0);
        List<String> epoch0OtherSeed = order(new BatchSource(images, preprocessing, 10, Augmentation.none(), 43), 0);

        assertThat(epoch0).hasSize(100).doesNotHaveDuplicates();
        assertThat(epoch1).hasSize(100).containsExactlyInAnyOrderElementsOf(epoch0).isNotEqualTo(epoch0);
        assertThat(epoch0Again).isEqualTo(epoch0);
        assertThat(epoch0OtherSource).isEqualTo(epoch0);
        assertThat(epoch0OtherSeed).containsExactlyInAnyOrderElementsOf(epoch0).isNotEqualTo(epoch0);
    }

    /** The images of one whole epoch in the order the batches give them (each image by its centre crop). */
    private static List<String> order(BatchSource source, int epoch) {
        List<String> order = new ArrayList<>();
        for (int i = 0; i < source.stepsPerEpoch(); i++) {
            for (float[] row : source.trainingBatch(epoch, i, i).features().reshape(10, 3 * 24 * 24).toFloatMatrix()) {
                order.add(Arrays.toString(row));
            }
        }
        return order;
    }

    @Test
    void stepsPerEpochCountFullBatchesAndAtLeastOne() {
        assertThat(BatchSource.stepsPerEpoch(100, 16)).isEqualTo(6);
        assertThat(BatchSource.stepsPerEpoch(100, 10)).isEqualTo(10);
        assertThat(BatchSource.stepsPerEpoch(5, 16)).isEqualTo(1);
        assertThat(new BatchSource(images, preprocessing, 16, Augmentation.none(), 1).stepsPerEpoch()).isEqualTo(6);
    }

    @Test
    void evaluationBatchesFollowTheDataOrder() {
        Batch batch = BatchSource.evaluationBatch(images, preprocessing, 10, 15);

        assertThat(batch.size()).isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            assertThat(batch.labels().getRow(i).argMax().getInt(0)).isEqualTo(images.label(10 + i));
        }
    }
}
