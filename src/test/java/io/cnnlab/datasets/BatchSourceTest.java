package io.cnnlab.datasets;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

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
    void anEpochVisitsDistinctImagesInAnOrderThatChangesPerEpoch() {
        var source = new BatchSource(images, preprocessing, 10, Augmentation.none(), 42);
        Set<String> epoch0 = new HashSet<>();
        StringBuilder order0 = new StringBuilder();
        StringBuilder order1 = new StringBuilder();
        for (int i = 0; i < source.stepsPerEpoch(); i++) {
            float[][] rows = source.trainingBatch(0, i, i).features().reshape(10, 3 * 24 * 24).toFloatMatrix();
            for (float[] row : rows) {
                epoch0.add(java.util.Arrays.toString(row));
                order0.append(row[0]).append(',');
            }
            order1.append(source.trainingBatch(1, i, i).features().getFloat(0)).append(',');
        }
        assertThat(epoch0).hasSize(100);
        assertThat(order1.toString()).isNotEqualTo(order0.toString());
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
