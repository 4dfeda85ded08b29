package io.cnnlab.comparisons;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.architectures.NetworkCost;
import io.cnnlab.jobs.EpochRecord;
import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.TrainingJob;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RunSummariesTest {

    private static final NetworkCost BASELINE = Architectures.seed().get("baseline").cost();

    private static TrainingJob job() {
        return new TrainingJob("6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11", "baseline", "baseline", JobState.SUCCEEDED,
                null, Instant.EPOCH, Instant.EPOCH, Instant.EPOCH, 3, 300, 300L, 1000.0, null, 0.72, null, 1, "instance-a", false);
    }

    private static EpochRecord epoch(int n, double testAccuracy, double imagesPerSecond, double seconds) {
        return new EpochRecord(n, n * 100L, 1.0 / n, testAccuracy, 1.1 / n, testAccuracy, imagesPerSecond, seconds,
                0.01, 1e-4);
    }

    @Test
    void accumulatesWallTimeAndFindsTheFirstEpochAtEachThreshold() {
        List<EpochRecord> history = List.of(epoch(1, 0.55, 900, 30), epoch(2, 0.65, 1000, 31),
                epoch(3, 0.62, 1100, 29), epoch(4, 0.72, 5000, 10));

        RunSummary s = RunSummaries.summarise(job(), BASELINE, history, List.of(1, 3, 10), List.of(0.6, 0.7, 0.9));

        assertThat(s.wallSeconds()).isEqualTo(100);
        assertThat(s.secondsToAccuracy()).containsExactly(
                java.util.Map.entry("0.6", 61.0), java.util.Map.entry("0.7", 100.0)); // 0.9 never reached
        assertThat(s.accuracyAtEpoch()).containsOnlyKeys("1", "3").containsEntry("3", 0.62);
        assertThat(s.finalTestAccuracy()).isEqualTo(0.72);
        assertThat(s.bestTestAccuracy()).isEqualTo(0.72);
        assertThat(s.imagesPerSecond()).isCloseTo(1050, within(1e-9)); // the median resists one odd epoch
        assertThat(s.curve()).extracting(RunSummary.CurvePoint::elapsedSeconds).containsExactly(30.0, 61.0, 90.0, 100.0);
        assertThat(s.parameters()).isEqualTo(BASELINE.parameters());
        assertThat(s.macsPerImage()).isEqualTo(BASELINE.macs());
        assertThat(s.epochs()).isEqualTo(4);
        assertThat(s.steps()).isEqualTo(400);
    }

    @Test
    void aRunWithoutHistoryHasNoAccuraciesRatherThanZeros() {
        RunSummary s = RunSummaries.summarise(job(), BASELINE, List.of(), List.of(1), List.of(0.6));

        assertThat(s.finalTestAccuracy()).isNull();
        assertThat(s.bestTestAccuracy()).isNull();
        assertThat(s.imagesPerSecond()).isNull();
        assertThat(s.secondsToAccuracy()).isEmpty();
        assertThat(s.curve()).isEmpty();
    }

    @Test
    void thresholdKeysAreWrittenAsUsersWriteThem() {
        assertThat(RunSummaries.key(0.6)).isEqualTo("0.6");
        assertThat(RunSummaries.key(0.70)).isEqualTo("0.7");
        assertThat(RunSummaries.key(1)).isEqualTo("1");
    }
}
