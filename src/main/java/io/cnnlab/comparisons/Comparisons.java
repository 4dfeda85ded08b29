package io.cnnlab.comparisons;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.datasets.DatasetNotFoundException;
import io.cnnlab.datasets.Datasets;
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
    private final Datasets datasets;
    private final Map<String, NetworkCost> costs = new ConcurrentHashMap<>();

    Comparisons(TrainingJobs jobs, Architectures architectures, Datasets datasets) {
        this.jobs = jobs;
        this.architectures = architectures;
        this.datasets = datasets;
    }

    /**
     * The class count a job's network was built for: its data set's. A set deleted since (allowed once no queued or
     * running job uses it) no longer says; its runs are costed as CIFAR-10 networks.
     */
    private int classes(String dataset) {
        if (Datasets.CIFAR10.equals(dataset)) {
            return Architecture.CLASSES;
        }
        try {
            return datasets.get(dataset).classes().size();
        } catch (DatasetNotFoundException e) {
            return Architecture.CLASSES;
        }
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
            int classes = classes(job.dataset());
            NetworkCost cost = costs.computeIfAbsent(job.architecture() + "/" + classes,
                    key -> architectures.get(job.architecture()).cost(classes));
            return RunSummaries.summarise(job, cost, jobs.metrics(id), atEpochs, thresholds);
        }).toList();
    }
}
