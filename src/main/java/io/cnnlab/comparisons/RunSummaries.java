package io.cnnlab.comparisons;

import io.cnnlab.architectures.NetworkCost;
import io.cnnlab.jobs.EpochRecord;
import io.cnnlab.jobs.TrainingJob;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reduces a job's epoch history to a {@link RunSummary}; pure arithmetic, no I/O. */
final class RunSummaries {

    private RunSummaries() {
    }

    static RunSummary summarise(TrainingJob job, NetworkCost cost, List<EpochRecord> history,
                                List<Integer> atEpochs, List<Double> thresholds) {
        List<RunSummary.CurvePoint> curve = new ArrayList<>(history.size());
        double elapsed = 0;
        for (EpochRecord e : history) {
            elapsed += e.seconds();
            curve.add(new RunSummary.CurvePoint(e.epoch(), e.step(), elapsed, e.trainLoss(), e.testLoss(),
                    e.trainAccuracy(), e.testAccuracy()));
        }
        Map<String, Double> atEpoch = new LinkedHashMap<>();
        for (int epoch : atEpochs) {
            history.stream().filter(e -> e.epoch() == epoch).findFirst()
                    .ifPresent(e -> atEpoch.put(Integer.toString(epoch), e.testAccuracy()));
        }
        Map<String, Double> toAccuracy = new LinkedHashMap<>();
        for (double threshold : thresholds) {
            curve.stream().filter(p -> p.testAccuracy() >= threshold).findFirst()
                    .ifPresent(p -> toAccuracy.put(key(threshold), p.elapsedSeconds()));
        }
        EpochRecord last = history.isEmpty() ? null : history.get(history.size() - 1);
        Double best = history.stream().mapToDouble(EpochRecord::testAccuracy).boxed().max(Double::compare).orElse(null);
        long epochSteps = last == null ? 0 : last.step();
        // a run cancelled or failed mid-epoch did work its epoch rows do not hold: count its steps and time too
        long steps = Math.max(job.step(), epochSteps);
        double wallSeconds = steps > epochSteps ? Math.max(elapsed, lastAttemptSeconds(job)) : elapsed;
        return new RunSummary(job.id(), job.architecture(), job.modelName(), job.state().name(), cost.parameters(),
                cost.macs(), last == null ? 0 : last.epoch(), steps,
                medianThroughput(history), wallSeconds, last == null ? null : last.testAccuracy(), best, atEpoch,
                toAccuracy, curve, job.dataset());
    }

    /**
     * Start to end of an ended job's last attempt (the store keeps no earlier starts): the whole run for a job that
     * ran once, a lower bound for one that resumed; 0 while it has not ended.
     */
    private static double lastAttemptSeconds(TrainingJob job) {
        if (job.startedAt() == null || job.finishedAt() == null || job.finishedAt().isBefore(job.startedAt())) {
            return 0;
        }
        return Duration.between(job.startedAt(), job.finishedAt()).toNanos() / 1e9;
    }

    /** "0.6" for 60 %: the threshold as the caller wrote it, without trailing zeros. */
    static String key(double threshold) {
        return java.math.BigDecimal.valueOf(threshold).stripTrailingZeros().toPlainString();
    }

    private static Double medianThroughput(List<EpochRecord> history) {
        double[] values = history.stream().mapToDouble(EpochRecord::imagesPerSecond)
                .filter(v -> Double.isFinite(v) && v > 0).sorted().toArray();
        if (values.length == 0) {
            return null;
        }
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
