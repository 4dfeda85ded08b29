package io.cnnlab.training;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * When a run stops before its budget: once its test accuracy has not improved by more than {@code minDelta} over the
 * best so far for {@code patience} epochs in a row. An epoch that improves by less does not become the reference,
 * so slow creep cannot keep a run alive forever (Keras' {@code EarlyStopping} does the same).
 *
 * <p>The decision is a function of the run's epoch accuracies alone, so a run resumed after a restart decides from
 * its stored epochs exactly as it would have without stopping.
 *
 * @param patience epochs without improvement before the run stops, 1 to 1000
 * @param minDelta the improvement in test accuracy that counts, 0 to 1
 */
public record EarlyStopping(int patience, double minDelta) {

    public EarlyStopping {
        if (patience < 1 || patience > 1000) {
            throw new IllegalArgumentException("earlyStopping.patience must be 1 to 1000, not " + patience);
        }
        if (!(minDelta >= 0 && minDelta <= 1)) {
            throw new IllegalArgumentException("earlyStopping.minDelta must be 0 to 1, not " + minDelta);
        }
    }

    /** One evaluated epoch of the run. */
    public record Epoch(int epoch, double testAccuracy) {
    }

    /**
     * Whether the run stops after the last of {@code epochs} (in epoch order), and why.
     *
     * @return the reason the job shows, or empty to go on
     */
    public Optional<String> decide(List<Epoch> epochs) {
        if (epochs.isEmpty()) {
            return Optional.empty();
        }
        double reference = epochs.get(0).testAccuracy();
        int sinceImprovement = 0;
        Epoch best = epochs.get(0);
        for (Epoch e : epochs.subList(1, epochs.size())) {
            if (e.testAccuracy() > reference + minDelta) {
                reference = e.testAccuracy();
                sinceImprovement = 0;
            } else {
                sinceImprovement++;
            }
            // ties go to the later epoch, as the checkpoint store picks the best checkpoint (the version)
            if (e.testAccuracy() >= best.testAccuracy()) {
                best = e;
            }
        }
        if (sinceImprovement < patience) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT,
                "early stopping: test accuracy did not improve by more than %s for %d epoch%s; best %.3f at epoch %d",
                BigDecimal.valueOf(minDelta).stripTrailingZeros().toPlainString(), patience, patience == 1 ? "" : "s",
                best.testAccuracy(), best.epoch()));
    }
}
