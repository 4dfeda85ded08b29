package io.cnnlab.web;

import io.cnnlab.comparisons.Comparisons;
import io.cnnlab.comparisons.RunSummary;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.ArrayList;
import java.util.List;

@RestController
@RequestMapping("/api/v1/comparisons")
class ComparisonController {

    static final int MAX_JOBS = 20;

    static final String COMPARISON_EXAMPLE = "{\"items\":[{\"jobId\":\"7ee796dd-e897-4171-b873-c33110c35fee\","
            + "\"architecture\":\"baseline\","
            + "\"modelName\":\"baseline\",\"state\":\"SUCCEEDED\",\"parameterCount\":123338,"
            + "\"macsPerImage\":18086400,\"epochsCompleted\":2,\"stepsCompleted\":782,\"imagesPerSecond\":1635.2,"
            + "\"wallSeconds\":65.1,\"finalTestAccuracy\":0.4162,\"bestTestAccuracy\":0.4162,"
            + "\"accuracyAtEpoch\":{\"1\":0.3613},\"secondsToAccuracy\":{},\"curve\":[{\"epoch\":1,"
            + "\"step\":391,\"elapsedSeconds\":32.4,\"trainLoss\":2.01,\"testLoss\":1.78,"
            + "\"trainAccuracy\":0.33,\"testAccuracy\":0.3613}]}],\"page\":0,\"size\":100,\"total\":1}";

    private final Comparisons comparisons;

    ComparisonController(Comparisons comparisons) {
        this.comparisons = comparisons;
    }

    /** The validated question: which runs, and at which epochs and accuracies to compare them. */
    private record Query(List<String> jobs, List<Integer> epochs, List<Double> thresholds) {

        static Query of(List<String> jobs, List<Integer> epochs, List<Double> thresholds) {
            if (jobs.isEmpty() || jobs.size() > MAX_JOBS) {
                throw new InvalidRequestException("jobs: between 1 and " + MAX_JOBS + " job ids");
            }
            List<Integer> e = epochs == null || epochs.isEmpty() ? Comparisons.DEFAULT_EPOCHS : epochs;
            List<Double> t = thresholds == null || thresholds.isEmpty() ? Comparisons.DEFAULT_THRESHOLDS : thresholds;
            if (e.size() > 50 || e.stream().anyMatch(v -> v == null || v < 1)) {
                throw new InvalidRequestException("epochs: at most 50 values, each at least 1");
            }
            if (t.size() > 20 || t.stream().anyMatch(v -> v == null || !(v > 0 && v <= 1))) {
                throw new InvalidRequestException("thresholds: at most 20 values, each in (0, 1]");
            }
            return new Query(jobs.stream().map(TrainingJobController::checked).toList(), e, t);
        }
    }

    // the one operation whose 404 is not for its path: a job named in the query
    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "404", description = "a job named in jobs does not exist")
    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Compare training runs",
            description = "One row per job, in the order asked, paged: parameter count, MACs per image, median "
                    + "training img/s, wall time, test accuracy after given epochs and at the end, wall seconds to "
                    + "reach given test accuracies, and the accuracy-vs-time curve. Also as text/csv (every row, "
                    + "without the curve). 400 for bad parameters, 404 for "
                    + "an unknown job.",
            responses = @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "200",
                    content = {@io.swagger.v3.oas.annotations.media.Content(mediaType = "application/json",
                            examples = @io.swagger.v3.oas.annotations.media.ExampleObject(name = "one run, two epochs",
                                    value = COMPARISON_EXAMPLE)),
                            @io.swagger.v3.oas.annotations.media.Content(mediaType = CsvTable.MEDIA_TYPE)}))
    Page<RunSummary> compare(
            @Parameter(description = "comma-separated job ids, at most 20") @RequestParam List<String> jobs,
            @Parameter(description = "epochs to report test accuracy after", example = "1,5,10")
            @RequestParam(required = false) List<Integer> epochs,
            @Parameter(description = "test accuracies (0-1] to report the time to reach", example = "0.6,0.7")
            @RequestParam(required = false) List<Double> thresholds,
            @RequestParam(defaultValue = "0") @Min(Page.PAGE_MIN) @Max(Page.PAGE_MAX) int page,
            @RequestParam(defaultValue = Page.DEFAULT_SIZE) @Min(Page.SIZE_MIN) @Max(Page.SIZE_MAX) int size) {
        return Page.slice(run(Query.of(jobs, epochs, thresholds)), page, size);
    }

    @GetMapping(produces = CsvTable.MEDIA_TYPE)
    @Operation(hidden = true) // documented with the JSON variant: one operation, two representations
    String compareCsv(@RequestParam List<String> jobs, @RequestParam(required = false) List<Integer> epochs,
                      @RequestParam(required = false) List<Double> thresholds) {
        Query query = Query.of(jobs, epochs, thresholds);
        List<String> header = new ArrayList<>(List.of("jobId", "architecture", "modelName", "state",
                "parameterCount", "macsPerImage", "epochsCompleted", "stepsCompleted", "imagesPerSecond", "wallSeconds",
                "finalTestAccuracy", "bestTestAccuracy"));
        query.epochs().forEach(e -> header.add("testAccuracyEpoch" + e));
        query.thresholds().forEach(t -> header.add("secondsTo" + Comparisons.thresholdKey(t)));
        List<List<Object>> table = new ArrayList<>();
        for (RunSummary r : run(query)) {
            List<Object> row = new ArrayList<>(List.of(r.jobId(), r.architecture(), r.modelName(), r.state(),
                    r.parameterCount(), r.macsPerImage(), r.epochsCompleted(), r.stepsCompleted()));
            row.add(r.imagesPerSecond());
            row.add(r.wallSeconds());
            row.add(r.finalTestAccuracy());
            row.add(r.bestTestAccuracy());
            query.epochs().forEach(e -> row.add(r.accuracyAtEpoch().get(Integer.toString(e))));
            query.thresholds().forEach(t -> row.add(r.secondsToAccuracy().get(Comparisons.thresholdKey(t))));
            table.add(row);
        }
        return new CsvTable(header, table).render();
    }

    private List<RunSummary> run(Query query) {
        return comparisons.compare(query.jobs(), query.epochs(), query.thresholds());
    }
}
