package io.cnnlab.comparisons;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.architectures.NetworkCost;
import io.cnnlab.jobs.TrainingJob;
import io.cnnlab.jobs.TrainingJobs;
import org.springframework.stereotype.Service;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Side-by-side summaries of training runs: the seed's comparison, measured. */
@Service
public class Comparisons {

    /** Epochs at which the comparison reports test accuracy unless the caller asks for others. */
    public static final List<Integer> DEFAULT_EPOCHS = List.of(1, 5, 10);
    /** Test accuracies whose time-to-reach the comparison reports unless the caller asks for others. */
    public static final List<Double> DEFAULT_THRESHOLDS = List.of(0.6, 0.7);

    private final TrainingJobs jobs;
    private final Architectures architectures;
    private final Map<String, NetworkCost> costs = new ConcurrentHashMap<>();

    Comparisons(TrainingJobs jobs, Architectures architectures) {
        this.jobs = jobs;
        this.architectures = architectures;
    }

    /** The key under which {@link RunSummary#secondsToAccuracy()} holds a threshold: "0.6" for 60 %. */
    public static String thresholdKey(double threshold) {
        return RunSummaries.key(threshold);
    }

    /**
     * @throws io.cnnlab.jobs.JobNotFoundException when one of the jobs does not exist
     */
    public List<RunSummary> compare(List<String> jobIds, List<Integer> atEpochs, List<Double> thresholds) {
        return jobIds.stream().distinct().map(id -> {
            TrainingJob job = jobs.get(id);
            return RunSummaries.summarise(job, costs.computeIfAbsent(job.architecture(), a -> architectures.get(a).cost()), jobs.metrics(id),
                    atEpochs, thresholds);
        }).toList();
    }
}
