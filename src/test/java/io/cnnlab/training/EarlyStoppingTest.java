package io.cnnlab.training;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The early-stopping decision as a function of a run's epoch accuracies, which is all a resumed run has. */
class EarlyStoppingTest {

    /** Epochs {@code first}, {@code first + 1}, ... with these test accuracies. */
    private static List<EarlyStopping.Epoch> epochs(int first, double... accuracies) {
        List<EarlyStopping.Epoch> epochs = new ArrayList<>();
        for (int i = 0; i < accuracies.length; i++) {
            epochs.add(new EarlyStopping.Epoch(first + i, accuracies[i]));
        }
        return epochs;
    }

    @Test
    void stopsOncePatienceEpochsInARowDidNotImproveOnTheBest() {
        EarlyStopping stopping = new EarlyStopping(3, 0.001);

        assertThat(stopping.decide(epochs(1))).isEmpty();
        assertThat(stopping.decide(epochs(1, 0.5))).isEmpty();
        assertThat(stopping.decide(epochs(1, 0.5, 0.6, 0.7, 0.712, 0.70, 0.71))).isEmpty();
        assertThat(stopping.decide(epochs(1, 0.5, 0.6, 0.7, 0.712, 0.70, 0.71, 0.712)))
                .contains("early stopping: test accuracy did not improve by more than 0.001 for 3 epochs; best 0.712 at epoch 7");
    }

    @Test
    void anImprovementOfMinDeltaOrLessDoesNotCountNorMoveTheReference() {
        EarlyStopping stopping = new EarlyStopping(2, 0.05);

        // 0.53 and then 0.545 each creep up on the last, but neither is more than 0.05 above 0.5: two without improvement
        assertThat(stopping.decide(epochs(1, 0.5, 0.53))).isEmpty();
        assertThat(stopping.decide(epochs(1, 0.5, 0.53, 0.545)))
                .contains("early stopping: test accuracy did not improve by more than 0.05 for 2 epochs; best 0.545 at epoch 3");
        // 0.56 is more than 0.05 above 0.5: the count starts again from it
        assertThat(stopping.decide(epochs(1, 0.5, 0.56, 0.57))).isEmpty();
    }

    @Test
    void aRunThatImprovesOnItsLastEpochGoesOnAndMinDeltaZeroCountsAnyGain() {
        EarlyStopping stopping = new EarlyStopping(1, 0);

        assertThat(stopping.decide(epochs(1, 0.3, 0.3001))).isEmpty();
        assertThat(stopping.decide(epochs(1, 0.3, 0.3001, 0.3001)))
                .contains("early stopping: test accuracy did not improve by more than 0 for 1 epoch; best 0.300 at epoch 3");
        assertThat(stopping.decide(epochs(1, 0.4, 0.2))).map(reason -> reason.endsWith("best 0.400 at epoch 1")).contains(true);
    }

    @Test
    void theDecisionDependsOnlyOnTheEpochsSoAResumedRunDecidesAlike() {
        EarlyStopping stopping = new EarlyStopping(2, 0);
        double[] run = {0.2, 0.4, 0.35, 0.38, 0.41, 0.39, 0.40};
        // epoch by epoch, as one attempt would decide, against the same list read back at any later point
        Optional<String> first = Optional.empty();
        int stoppedAt = 0;
        for (int n = 1; n <= run.length && first.isEmpty(); n++) {
            first = stopping.decide(epochs(1, java.util.Arrays.copyOf(run, n)));
            stoppedAt = n;
        }
        assertThat(stoppedAt).isEqualTo(4);
        assertThat(stopping.decide(epochs(1, 0.2, 0.4, 0.35, 0.38))).isEqualTo(first);
        // a continued run's epochs are numbered after its parent's: the reason names the run's own numbers
        assertThat(stopping.decide(epochs(4, 0.2, 0.4, 0.35, 0.38)))
                .contains("early stopping: test accuracy did not improve by more than 0 for 2 epochs; best 0.400 at epoch 5");
    }

    @Test
    void patienceAndMinDeltaAreChecked() {
        assertThatIllegalArgumentException().isThrownBy(() -> new EarlyStopping(0, 0)).withMessageContaining("patience");
        assertThatIllegalArgumentException().isThrownBy(() -> new EarlyStopping(1001, 0)).withMessageContaining("patience");
        assertThatIllegalArgumentException().isThrownBy(() -> new EarlyStopping(1, -0.1)).withMessageContaining("minDelta");
        assertThatIllegalArgumentException().isThrownBy(() -> new EarlyStopping(1, 1.5)).withMessageContaining("minDelta");
        assertThatIllegalArgumentException().isThrownBy(() -> new EarlyStopping(1, Double.NaN)).withMessageContaining("minDelta");
    }
}
