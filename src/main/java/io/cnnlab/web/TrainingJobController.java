package io.cnnlab.web;

import io.cnnlab.checkpoints.Checkpoint;
import io.cnnlab.checkpoints.CheckpointStore;
import io.cnnlab.evaluation.ConfusionMatrix;
import io.cnnlab.jobs.EpochRecord;
import io.cnnlab.jobs.JobNotFoundException;
import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.JobStore;
import io.cnnlab.jobs.NewJob;
import io.cnnlab.jobs.TrainingJob;
import io.cnnlab.jobs.TrainingJobs;
import io.cnnlab.datasets.DatasetNotFoundException;
import io.cnnlab.datasets.Datasets;
import io.cnnlab.models.InitFrom;
import io.cnnlab.models.ModelNotFoundException;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.retention.Retention;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.jobs.IdempotencyKeyReusedException;
import io.cnnlab.training.RunContinuations;
import io.cnnlab.training.TrainingPlan;
import io.cnnlab.training.TrainingPlans;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.ProblemDetail;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.ExceptionHandler;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

@RestController
@Validated
@RequestMapping("/api/v1/training-jobs")
class TrainingJobController {

    private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,200}");

    private final TrainingJobs jobs;
    private final CheckpointStore checkpoints;
    private final Architectures architectures;
    private final JobEventStreams events;
    private final ModelRegistry models;
    private final Retention retention;
    private final JobViews views;
    private final RunContinuations continuations;
    private final Datasets datasets;

    TrainingJobController(TrainingJobs jobs, CheckpointStore checkpoints, Architectures architectures,
                          JobEventStreams events, ModelRegistry models, Retention retention, JobViews views,
                          RunContinuations continuations, Datasets datasets) {
        this.jobs = jobs;
        this.continuations = continuations;
        this.datasets = datasets;
        this.views = views;
        this.models = models;
        this.retention = retention;
        this.checkpoints = checkpoints;
        this.architectures = architectures;
        this.events = events;
    }

    /** Server-sent events: the current state first, then progress, epoch and state events until the job ends. */
    @GetMapping(path = "/{id}/events", produces = "text/event-stream")
    @Operation(summary = "Follow a job's progress as server-sent events", responses = {
            @ApiResponse(responseCode = "200", description = "state, progress and epoch events until the job ends"),
            @ApiResponse(responseCode = "429", description = "the caller holds its share of streams (Retry-After)"),
            @ApiResponse(responseCode = "503", description = "the job has its share of streams (Retry-After)")})
    org.springframework.web.servlet.mvc.method.annotation.SseEmitter events(@PathVariable String id,
                                                                            jakarta.servlet.http.HttpServletRequest request) {
        jobs.get(checked(id));
        return events.subscribe(id, JobEventStreams.callerOf(request), () -> view(jobs.get(id)));
    }

    @PostMapping
    @io.swagger.v3.oas.annotations.Operation(summary = "Submit a training job",
            description = "Every field but architecture defaults to the network's recipe (GET /api/v1/architectures). "
                    + "202 with Location; 400 problem naming each unknown, mistyped or invalid field (an unknown "
                    + "dataset or initFrom version, an initFrom of another architecture, freeze without initFrom); 422 when the "
                    + "caller's Idempotency-Key was used with another body (the same key and body give the earlier "
                    + "job); 429 with Retry-After when the queue is full.",
            responses = {@ApiResponse(responseCode = "202", description = "queued; Location names the job"), @ApiResponse(responseCode = "400", description = "an invalid field, an unknown dataset or initFrom version, or an initFrom of another architecture"), @ApiResponse(responseCode = "409", description = "the model name is taken or the data set is unavailable"), @ApiResponse(responseCode = "422", description = "the caller's Idempotency-Key was used with another body"), @ApiResponse(responseCode = "429", description = "the queue is full (Retry-After)"), @ApiResponse(responseCode = "413", description = "the body is larger than the service accepts")})
    ResponseEntity<TrainingJobView> submit(@Valid @RequestBody TrainingJobRequest request,
                                           @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw new InvalidRequestException("Idempotency-Key must be 1-200 printable ASCII characters without spaces");
        }
        TrainingPlan plan = request.toPlan(architectures.get(request.architecture()));
        String modelName = request.modelName() != null ? request.modelName() : request.architecture();
        models.checkNameAvailable(modelName);
        String dataset = checkedDataset(request.dataset());
        InitFrom initFrom = resolved(request.initFrom(), request.architecture());
        boolean freeze = Boolean.TRUE.equals(request.freeze());
        if (freeze && initFrom == null) {
            throw new InvalidRequestException("freeze: keeps the feature layers of initFrom fixed, so it needs initFrom");
        }
        // the effective request: a body that spells out a default asks for the same job as one that omits it (and a
        // job on CIFAR-10 from a new network keeps the digest it had before jobs named data sets)
        String requestSha256 = dataset.equals(Datasets.CIFAR10) && initFrom == null
                ? TrainingPlans.sha256(plan, modelName)
                : TrainingPlans.sha256(plan, modelName, dataset, initFrom == null ? "" : initFrom.model(),
                String.valueOf(initFrom == null ? 0 : initFrom.version()), String.valueOf(freeze));
        JobStore.Submitted submitted = jobs.submit(new NewJob(request.architecture(), modelName,
                TrainingPlans.toJson(plan), caller(), idempotencyKey, requestSha256, null, dataset,
                initFrom == null ? null : initFrom.model(), initFrom == null ? null : initFrom.version(), freeze));
        TrainingJob job = submitted.job();
        return ResponseEntity.status(HttpStatus.ACCEPTED)
                .location(URI.create("/api/v1/training-jobs/" + job.id()))
                .body(view(job));
    }

    @GetMapping
    @Operation(summary = "List training jobs, newest first")
    Page<TrainingJobView> list(@RequestParam(required = false) JobState state,
                               @RequestParam(defaultValue = "0") @Min(Page.PAGE_MIN) @Max(Page.PAGE_MAX) int page,
                               @RequestParam(defaultValue = Page.DEFAULT_SIZE) @Min(Page.SIZE_MIN) @Max(Page.SIZE_MAX) int size) {
        List<TrainingJob> found = jobs.list(state, page, size);
        Map<String, EpochRecord> latest = jobs.latestMetrics(found.stream().map(TrainingJob::id).toList());
        Map<String, ModelVersion> became = versionsByJob();
        List<TrainingJobView> items = found.stream()
                .map(job -> view(job, latest.get(job.id()), became.get(job.id()))).toList();
        long total = state == null
                ? jobs.countByState().values().stream().mapToLong(Long::longValue).sum()
                : jobs.countByState().get(state);
        return Page.of(items, page, size, total);
    }

    @GetMapping("/{id}")
    @Operation(summary = "Get a training job")
    TrainingJobView get(@PathVariable String id) {
        return view(jobs.get(checked(id)));
    }

    @GetMapping(path = "/{id}/metrics", produces = MediaType.APPLICATION_JSON_VALUE)
    @io.swagger.v3.oas.annotations.Operation(summary = "Per-epoch metrics of a job",
            description = "The job's history, one row per epoch, paged; also as text/csv (Accept: text/csv), the "
                    + "whole history as one table.",
            responses = @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "200", content = {
                    @io.swagger.v3.oas.annotations.media.Content(mediaType = "application/json"),
                    @io.swagger.v3.oas.annotations.media.Content(mediaType = CsvTable.MEDIA_TYPE)}))
    Page<EpochRecord> metrics(@PathVariable String id,
                              @RequestParam(defaultValue = "0") @Min(Page.PAGE_MIN) @Max(Page.PAGE_MAX) int page,
                              @RequestParam(defaultValue = Page.DEFAULT_SIZE) @Min(Page.SIZE_MIN) @Max(Page.SIZE_MAX) int size) {
        return Page.slice(jobs.metrics(checked(id)), page, size);
    }

    @GetMapping(path = "/{id}/metrics", produces = CsvTable.MEDIA_TYPE)
    @io.swagger.v3.oas.annotations.Operation(hidden = true) // documented with the JSON variant
    ResponseEntity<String> metricsCsv(@PathVariable String id) {
        return ResponseEntity.ok()
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + id + "-metrics.csv\"")
                .body(CsvTable.ofRecords(EpochRecord.class, jobs.metrics(checked(id))).render());
    }

    @GetMapping("/{id}/evaluation")
    @Operation(summary = "Per-class evaluation of a job's last epoch",
            description = "The test set's confusion matrix (rows the true label, columns the predicted one, label "
                    + "order) with precision, recall, F1 and support per label, as measured at the end of the job's "
                    + "last recorded epoch; accuracy is that epoch's testAccuracy. A ratio with a zero denominator "
                    + "(a label never predicted, a label without test images) is 0.",
            responses = {@ApiResponse(responseCode = "200", description = "the last epoch's evaluation"),
                    @ApiResponse(responseCode = "404", description = "no such job, no epoch evaluated yet, or its last "
                            + "epoch was recorded before per-class evaluation was kept")})
    JobEvaluationView evaluation(@PathVariable String id) {
        EpochRecord last = jobs.lastEpoch(checked(id)).orElseThrow(() -> new EvaluationNotFoundException(
                "job %s has not finished an epoch yet; its evaluation appears at the end of the first".formatted(id)));
        if (last.testConfusion() == null) {
            throw new EvaluationNotFoundException(("epoch %d of job %s was recorded before per-class evaluation was "
                    + "kept; evaluate the model version it became instead (POST /api/v1/models/{name}/versions/{v}"
                    + "/evaluation)").formatted(last.epoch(), id));
        }
        return JobEvaluationView.of(last.epoch(), last.step(), ConfusionMatrix.fromJson(last.testConfusion()).perClass());
    }

    @DeleteMapping("/{id}")
    @io.swagger.v3.oas.annotations.Operation(summary = "Delete a finished job",
            description = "Its metrics and checkpoints go with it; a model version it became stays. 409 while the job "
                    + "is queued or running (cancel it first).",
            responses = {@ApiResponse(responseCode = "204", description = "deleted"), @ApiResponse(responseCode = "409", description = "the job is queued or running")})
    ResponseEntity<Void> delete(@PathVariable String id) {
        retention.deleteJob(checked(id));
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/cancel")
    @Operation(summary = "Cancel a training job", responses = {
            @ApiResponse(responseCode = "200", description = "cancelled (it was queued)"),
            @ApiResponse(responseCode = "202", description = "cancelling: the running job stops after its current step (within about 2 s when it runs on another instance: its worker reads the cancel at its next heartbeat)"),
            @ApiResponse(responseCode = "409", description = "the job has already ended")})
    ResponseEntity<TrainingJobView> cancel(@PathVariable String id) {
        TrainingJob job = jobs.cancel(checked(id));
        return ResponseEntity.status(job.state() == JobState.CANCELLED ? HttpStatus.OK : HttpStatus.ACCEPTED)
                .body(view(job));
    }

    /** The body of a continue: how many more epochs. */
    record ContinueRequest(
            @Schema(description = "epochs to train beyond the parent's", example = "5", requiredMode = Schema.RequiredMode.REQUIRED)
            @NotNull @Min(1) @Max(1000) Integer epochs) {
    }

    @PostMapping("/{id}/continue")
    @Operation(summary = "Continue a finished run with more epochs",
            description = "Queues a NEW job (its parentJob is this one) with the same network, model name and plan, "
                    + "starting from this job's last checkpoint: weights, optimizer state and step count, so the "
                    + "learning-rate schedule and the epoch numbers go on where it ended. Its epochs are this job's "
                    + "completed epochs plus the given ones; its success registers the model's next version. Submitted "
                    + "like any job (Idempotency-Key, queue bound, submission rate).",
            responses = {@ApiResponse(responseCode = "202", description = "the new job is queued; Location names it"),
                    @ApiResponse(responseCode = "400", description = "epochs missing or not 1 to 1000"),
                    @ApiResponse(responseCode = "404", description = "no such job"),
                    @ApiResponse(responseCode = "409", description = "the job is not SUCCEEDED or CANCELLED, or has no checkpoint"),
                    @ApiResponse(responseCode = "413", description = "the body is larger than the service accepts"),
                    @ApiResponse(responseCode = "422", description = "the caller's Idempotency-Key was used with another body"),
                    @ApiResponse(responseCode = "429", description = "the queue is full (Retry-After)")})
    ResponseEntity<TrainingJobView> continueJob(@PathVariable String id, @Valid @RequestBody ContinueRequest request,
                                                @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw new InvalidRequestException("Idempotency-Key must be 1-200 printable ASCII characters without spaces");
        }
        TrainingJob job = continuations.continueJob(checked(id), request.epochs(), caller(), idempotencyKey).job();
        return ResponseEntity.status(HttpStatus.ACCEPTED)
                .location(URI.create("/api/v1/training-jobs/" + job.id()))
                .body(view(job));
    }

    @GetMapping("/{id}/checkpoints")
    @Operation(summary = "List a job's checkpoints")
    Page<Checkpoint> checkpoints(@PathVariable String id,
                                 @RequestParam(defaultValue = "0") @Min(Page.PAGE_MIN) @Max(Page.PAGE_MAX) int page,
                                 @RequestParam(defaultValue = Page.DEFAULT_SIZE) @Min(Page.SIZE_MIN) @Max(Page.SIZE_MAX) int size) {
        jobs.get(checked(id));
        return Page.slice(checkpoints.list(id), page, size);
    }

    /** An Idempotency-Key reused with another body: the IETF idempotency-key draft's 422. */
    @ExceptionHandler(IdempotencyKeyReusedException.class)
    ProblemDetail keyReused(IdempotencyKeyReusedException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_CONTENT, e.getMessage());
        problem.setType(ProblemDetails.type("idempotency-key-reused"));
        problem.setTitle("Idempotency-Key already used");
        problem.setProperty("jobId", e.existingJobId());
        return problem;
    }

    /** The data set a job names (default CIFAR-10); an unknown one is the request's mistake (400), not a missing page. */
    private String checkedDataset(String requested) {
        String id = requested == null ? Datasets.CIFAR10 : requested;
        try {
            datasets.get(id);
        } catch (DatasetNotFoundException e) {
            throw new InvalidRequestException("dataset: no data set '%s' (GET /api/v1/datasets lists them)".formatted(id));
        }
        return id;
    }

    /**
     * The concrete version a fine-tuning starts from (the model's default version when none is named), stored that
     * way so a later version or alias change does not change the job. It must be of the job's architecture: only
     * its classifier layer is replaced.
     */
    private InitFrom resolved(TrainingJobRequest.InitFromRequest requested, String architecture) {
        if (requested == null) {
            return null;
        }
        ModelVersion version;
        try {
            version = requested.version() == null ? models.defaultVersion(requested.model())
                    : models.version(requested.model(), requested.version());
        } catch (ModelNotFoundException e) {
            throw new InvalidRequestException("initFrom: " + e.getMessage());
        }
        if (!version.architecture().equals(architecture)) {
            throw new InvalidRequestException("initFrom: model '%s' v%d is a %s network; a %s job can start only from a %s network"
                    .formatted(version.name(), version.version(), version.architecture(), architecture, architecture));
        }
        return new InitFrom(version.name(), version.version());
    }

    /** Whose submission it is: idempotency keys of different callers never meet. */
    private static String caller() {
        Authentication who = SecurityContextHolder.getContext().getAuthentication();
        return who == null ? "anonymous" : who.getName();
    }

    private TrainingJobView view(TrainingJob job) {
        return views.of(job);
    }

    private TrainingJobView view(TrainingJob job, EpochRecord latest, ModelVersion became) {
        return views.of(job, latest, became);
    }

    private Map<String, ModelVersion> versionsByJob() {
        return views.versionsByJob();
    }

    static String checked(String id) {
        if (!JOB_ID.matcher(id).matches()) {
            throw new JobNotFoundException(id);
        }
        return id;
    }
}
