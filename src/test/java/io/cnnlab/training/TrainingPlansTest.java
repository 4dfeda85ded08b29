package io.cnnlab.training;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.architectures.LearningRate;
import io.cnnlab.architectures.Recipe;
import io.cnnlab.datasets.Augmentation;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** The plan as the document a job stores: every field survives, and older documents still read. */
class TrainingPlansTest {

    private static final TrainingPlan EVERY_FIELD = new TrainingPlan("batchnorm", 4L, new Recipe(7, 20,
            new LearningRate(0.01, 0.5, 2), 7, new Augmentation(false, false, 10, 0.5, 1.5), 0.05, 0.2, 3));

    @Test
    void everyFieldSurvivesTheDocument() {
        assertThat(TrainingPlans.fromJson("batchnorm", TrainingPlans.toJson(EVERY_FIELD))).isEqualTo(EVERY_FIELD);
        TrainingPlan seed = TrainingPlan.seedDefaults(Architectures.offered().get("combined"));
        assertThat(TrainingPlans.fromJson("combined", TrainingPlans.toJson(seed))).isEqualTo(seed);
    }

    @Test
    void aRecipeFieldMissingFromAStoredPlanReadsAsTheSeedRecipesValue() {
        String stored = TrainingPlans.toJson(EVERY_FIELD)
                .replace(",\"trainAccuracyEvery\":3", "").replace("\"flip\":false,", "");

        TrainingPlan read = TrainingPlans.fromJson("batchnorm", stored);

        assertThat(stored).doesNotContain("trainAccuracyEvery").doesNotContain("flip");
        assertThat(read.recipe().trainAccuracyEvery()).isEqualTo(Recipe.SEED.trainAccuracyEvery());
        assertThat(read.recipe().augmentation().flip()).isEqualTo(Recipe.SEED.augmentation().flip());
        assertThat(read.recipe().augmentation().maxContrast()).isEqualTo(1.5);
        assertThat(read.recipe().learningRate()).isEqualTo(new LearningRate(0.01, 0.5, 2));
    }

    @Test
    void equalPlansHaveEqualDigestsAndAnyDifferenceChangesIt() {
        String digest = TrainingPlans.sha256(EVERY_FIELD, "model");

        assertThat(digest).hasSize(64).isEqualTo(TrainingPlans.sha256(EVERY_FIELD, "model"));
        assertThat(TrainingPlans.sha256(EVERY_FIELD, "other")).isNotEqualTo(digest);
        assertThat(TrainingPlans.sha256(EVERY_FIELD.withSeed(8), "model")).isNotEqualTo(digest);
    }

    @Test
    void earlyStoppingSurvivesTheDocumentAndAPlanStoredWithoutItReadsAsNone() {
        TrainingPlan stopping = EVERY_FIELD.withEarlyStopping(new EarlyStopping(3, 0.001));
        String stored = TrainingPlans.toJson(stopping);

        assertThat(stored).contains("\"earlyStopping\":{\"patience\":3,\"minDelta\":0.001}");
        assertThat(TrainingPlans.fromJson("batchnorm", stored)).isEqualTo(stopping);
        // a plan without it is stored as before it existed (same document, same digest for an Idempotency-Key)
        assertThat(TrainingPlans.toJson(EVERY_FIELD)).doesNotContain("earlyStopping");
        String before = "{\"architecture\":\"batchnorm\",\"maxSteps\":4,\"recipe\":{\"epochs\":7,\"batchSize\":20}}";
        TrainingPlan old = TrainingPlans.fromJson("batchnorm", before);
        assertThat(old.earlyStopping()).isNull();
        assertThat(old.recipe().epochs()).isEqualTo(7);
        assertThat(TrainingPlans.fromJson("batchnorm", TrainingPlans.toJson(EVERY_FIELD))).isEqualTo(EVERY_FIELD);
        assertThat(stopping.withEpochs(9).withMaxSteps(null).earlyStopping()).isEqualTo(new EarlyStopping(3, 0.001));
    }

    @Test
    void anUnreadableDocumentSaysSo() {
        assertThatIllegalStateException().isThrownBy(() -> TrainingPlans.fromJson("baseline", "{\"epochs\":3}"))
                .withMessageContaining("stored training plan");
    }
}
