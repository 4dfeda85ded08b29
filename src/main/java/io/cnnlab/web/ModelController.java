package io.cnnlab.web;

import io.cnnlab.datasets.Cifar10;
import io.cnnlab.inference.Classifier;
import io.cnnlab.inference.ModelEvaluator;
import io.cnnlab.inference.ModelExporter;
import io.cnnlab.inference.ModelImporter;
import io.cnnlab.models.ModelNames;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.networks.ModelExport;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.web.context.request.ServletWebRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.List;

@RestController
@RequestMapping("/api/v1/models")
class ModelController {

    record AliasRequest(@NotNull @Min(1) Integer version) {
    }

    private final ModelRegistry registry;
    private final Classifier classifier;
    private final ModelImporter importer;
    private final ModelEvaluator evaluator;
    private final ModelExporter exporter;

    ModelController(ModelRegistry registry, Classifier classifier, ModelImporter importer, ModelEvaluator evaluator,
                    ModelExporter exporter) {
        this.registry = registry;
        this.classifier = classifier;
        this.importer = importer;
        this.evaluator = evaluator;
        this.exporter = exporter;
    }

    /**
     * Imports a DL4J model zip as the next version. Labels and architecture come from the form, else from the zip's
     * {@code metadata.json} (a downloaded version), else CIFAR-10's classes and {@code imported}.
     */
    @PostMapping(path = "/{name}/versions", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @Operation(summary = "Import a DL4J model zip as the next version", description = "Multipart part 'file' is the "
            + "zip: a DL4J model, or a version downloaded from .../file (its metadata.json gives the labels and the "
            + "architecture). 'labels' (comma or newline separated) default to metadata.json's, else the CIFAR-10 "
            + "classes; labels given that differ from metadata.json's are refused.", responses = {
            @ApiResponse(responseCode = "201", description = "imported; Location names the version"),
            @ApiResponse(responseCode = "400", description = "not a model this service can serve, or its metadata.json "
                    + "does not hold for it (labels, input, preprocessing)"),
            @ApiResponse(responseCode = "413", description = "the upload is larger than the service accepts")})
    ResponseEntity<ModelVersion> importVersion(@PathVariable String name, @RequestParam("file") MultipartFile file,
                                               @RequestParam(required = false) String labels,
                                               @RequestParam(required = false) String architecture) throws IOException {
        ModelNames.checkName(name);
        if (architecture != null && !architecture.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new InvalidRequestException("architecture must be 1-64 letters, digits, '.', '_' or '-'");
        }
        List<String> labelList = labels == null ? null
                : Arrays.stream(labels.split("[,\\n]")).map(String::trim).filter(l -> !l.isEmpty()).toList();
        if (labelList != null && (labelList.isEmpty() || labelList.size() > 10_000 || labelList.stream().anyMatch(l -> l.length() > 200))) {
            throw new InvalidRequestException("labels: 1-10000 names of at most 200 characters, comma or newline separated");
        }
        ModelVersion version = importer.importZip(name, architecture, labelList, file.getBytes());
        return ResponseEntity.created(URI.create("/api/v1/models/" + name + "/versions/" + version.version())).body(version);
    }

    @GetMapping(path = "/{name}/versions/{version}/file", produces = "application/zip")
    @Operation(summary = "Download a version: the DL4J network and metadata.json, as a zip", description = DOWNLOAD,
            responses = {
            @ApiResponse(responseCode = "200", description = DOWNLOADED, headers = {
                    @Header(name = HttpHeaders.ETAG, description = "\"<sha256 of the body>\""),
                    @Header(name = HttpHeaders.CONTENT_DISPOSITION, description = "attachment; filename=\"<name>-v<version>.zip\"")},
                    content = @Content(mediaType = "application/zip", schema = @Schema(type = "string", format = "binary"))),
            @ApiResponse(responseCode = "304", description = NOT_MODIFIED),
            @ApiResponse(responseCode = "404", description = "no such model or version"),
            @ApiResponse(responseCode = "503", description = "the version's file is missing or corrupt in the storage")})
    void download(@PathVariable String name, @PathVariable int version, ServletWebRequest request,
                  HttpServletResponse response) throws IOException {
        download(registry.version(name, version), request, response);
    }

    @GetMapping(path = "/{name}/file", produces = "application/zip")
    @Operation(summary = "Download the default version (production, else the newest) as a zip", description = DOWNLOAD,
            responses = {
            @ApiResponse(responseCode = "200", description = DOWNLOADED,
                    content = @Content(mediaType = "application/zip", schema = @Schema(type = "string", format = "binary"))),
            @ApiResponse(responseCode = "304", description = NOT_MODIFIED),
            @ApiResponse(responseCode = "404", description = "no such model"),
            @ApiResponse(responseCode = "503", description = "the version's file is missing or corrupt in the storage")})
    void downloadDefault(@PathVariable String name, ServletWebRequest request, HttpServletResponse response) throws IOException {
        download(registry.defaultVersion(name), request, response);
    }

    @GetMapping(path = "/{name}/aliases/{alias}/file", produces = "application/zip")
    @Operation(summary = "Download the version an alias points at as a zip", description = DOWNLOAD, responses = {
            @ApiResponse(responseCode = "200", description = DOWNLOADED,
                    content = @Content(mediaType = "application/zip", schema = @Schema(type = "string", format = "binary"))),
            @ApiResponse(responseCode = "304", description = NOT_MODIFIED),
            @ApiResponse(responseCode = "404", description = "no such model or alias"),
            @ApiResponse(responseCode = "503", description = "the version's file is missing or corrupt in the storage")})
    void downloadAlias(@PathVariable String name, @PathVariable String alias, ServletWebRequest request,
                       HttpServletResponse response) throws IOException {
        download(registry.byAlias(name, alias), request, response);
    }

    private static final String DOWNLOAD = "The zip holds metadata.json (format cnn-lab-model/1: name, version, "
            + "architecture, labels, input, preprocessing, lineage) and the DL4J network (configuration.json, "
            + "coefficients.bin; no updater state). Its bytes are the same for a version on every instance, so the "
            + "ETag (the body's sha256) is too; POST it to .../versions of this or another installation to import it.";
    private static final String DOWNLOADED = "the zip; ETag is the quoted sha256 of the body, Content-Disposition "
            + "names it <name>-v<version>.zip";
    private static final String NOT_MODIFIED = "If-None-Match names the version's ETag: no body";

    /** Streamed to the client: the stored file is read once more as the zip is written, never held whole. */
    private void download(ModelVersion version, ServletWebRequest request, HttpServletResponse response) throws IOException {
        ModelExport export = exporter.export(version);
        if (request.checkNotModified("\"" + export.sha256() + "\"")) {
            return; // 304 with the ETag, no body
        }
        response.setContentType("application/zip");
        response.setContentLengthLong(export.size());
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                .filename(version.name() + "-v" + version.version() + ".zip").build().toString());
        exporter.write(version, export, response.getOutputStream());
    }

    @GetMapping
    @Operation(summary = "List models with their versions and aliases", description = "Models by name, each with "
            + "every version, newest first.")
    Page<ModelRegistry.Model> list(
            @RequestParam(defaultValue = "0") @Min(Page.PAGE_MIN) @Max(Page.PAGE_MAX) int page,
            @RequestParam(defaultValue = Page.DEFAULT_SIZE) @Min(Page.SIZE_MIN) @Max(Page.SIZE_MAX) int size) {
        return Page.slice(registry.models(), page, size);
    }

    @GetMapping("/{name}/versions")
    @Operation(summary = "List a model's versions, newest first")
    Page<ModelVersion> versions(@PathVariable String name,
            @RequestParam(defaultValue = "0") @Min(Page.PAGE_MIN) @Max(Page.PAGE_MAX) int page,
            @RequestParam(defaultValue = Page.DEFAULT_SIZE) @Min(Page.SIZE_MIN) @Max(Page.SIZE_MAX) int size) {
        return Page.slice(registry.model(name).versions(), page, size);
    }

    @GetMapping("/{name}")
    @Operation(summary = "Get a model with its versions and aliases")
    ModelRegistry.Model get(@PathVariable String name) {
        return registry.model(name);
    }

    @GetMapping("/{name}/versions/{version}")
    @Operation(summary = "Get a model version")
    ModelVersion version(@PathVariable String name, @PathVariable int version) {
        return registry.version(name, version);
    }

    @PutMapping("/{name}/aliases/{alias}")
    @Operation(summary = "Point an alias (e.g. production) at a version", description = "The version is loaded "
            + "before the alias switches.")
    ModelVersion setAlias(@PathVariable String name, @PathVariable String alias, @Valid @RequestBody AliasRequest request) {
        // load first, switch after: requests keep going to the old version until the new one is warm
        classifier.warm(registry.version(name, request.version()));
        return registry.setAlias(name, alias, request.version());
    }

    /** Accuracy and loss on a data set's whole test split; {@code flip=true} adds the flip-averaged figures beside them. */
    @PostMapping("/{name}/versions/{version}/evaluation")
    @Operation(summary = "Evaluate a version on a data set's test split", description = "Loss, accuracy, the "
            + "confusion matrix (rows the true label, columns the predicted one, label order) and precision, recall, "
            + "F1 and support per label (a ratio with a zero denominator is 0). dataset: a data set whose classes are "
            + "the version's labels, in order; by default CIFAR-10 when they are its classes. flip=true adds the "
            + "figures with each image averaged with its mirror image.", responses = {
            @ApiResponse(responseCode = "200", description = "accuracy, loss and per-class figures"),
            @ApiResponse(responseCode = "400", description = "no such data set, or an invalid parameter"),
            @ApiResponse(responseCode = "409", description = "the data set is unavailable, its classes are not the "
                    + "version's labels, or none was named and the labels are not CIFAR-10's"),
            @ApiResponse(responseCode = "503", description = "another evaluation is running (Retry-After)")})
    ModelEvaluator.Result evaluate(@PathVariable String name, @PathVariable int version,
                                   @RequestParam(defaultValue = "false") boolean flip,
                                   @RequestParam(required = false) String dataset) {
        return evaluator.evaluate(registry.version(name, version), dataset, flip);
    }

    /** The version's most confident mistakes on a data set's test split, each with its image. */
    @GetMapping("/{name}/versions/{version}/misclassified")
    @Operation(summary = "A version's most confident mistakes on a data set's test split", description = "Images "
            + "the version gets wrong, most confident first (ties by index), each with its true and predicted label, "
            + "the probability given to the prediction and the stored 32x32 image as a PNG data URL; total counts "
            + "every mistake in the split. dataset as for the evaluation. One page (page 0) of at most limit items.",
            responses = {
            @ApiResponse(responseCode = "200", description = "the mistakes"),
            @ApiResponse(responseCode = "400", description = "limit outside 1..100, or no such data set"),
            @ApiResponse(responseCode = "409", description = "the data set is unavailable, its classes are not the "
                    + "version's labels, or none was named and the labels are not CIFAR-10's"),
            @ApiResponse(responseCode = "503", description = "another evaluation is running (Retry-After)")})
    Page<ModelEvaluator.Mistake> misclassified(@PathVariable String name, @PathVariable int version,
                                               @RequestParam(defaultValue = "20") @Min(1) @Max(100) int limit,
                                               @RequestParam(required = false) String dataset) {
        ModelEvaluator.Mistakes mistakes = evaluator.misclassified(registry.version(name, version), dataset, limit);
        return Page.of(mistakes.items(), 0, limit, mistakes.total());
    }

    @DeleteMapping("/{name}")
    @Operation(summary = "Delete a model: every version, its files and its aliases", description = "Its version "
            + "numbers are not given again: a model registered later under the same name continues the numbering.",
            responses = {
            @ApiResponse(responseCode = "204", description = "deleted"),
            @ApiResponse(responseCode = "404", description = "no such model"),
            @ApiResponse(responseCode = "409", description = "a queued or running training job will register into "
                    + "this model or fine-tunes from one of its versions; the problem names the jobs")})
    ResponseEntity<Void> deleteModel(@PathVariable String name) {
        registry.deleteModel(name);
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/{name}/aliases/{alias}")
    @Operation(summary = "Remove an alias", description = "Without production, requests that name no version get the "
            + "newest version.", responses = {
            @ApiResponse(responseCode = "204", description = "removed"),
            @ApiResponse(responseCode = "404", description = "no such model or alias")})
    ResponseEntity<Void> deleteAlias(@PathVariable String name, @PathVariable String alias) {
        registry.deleteAlias(name, alias);
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/{name}/versions/{version}")
    @Operation(summary = "Delete a model version", responses = {
            @ApiResponse(responseCode = "204", description = "deleted"),
            @ApiResponse(responseCode = "409", description = "an alias points at the version, or a queued or running "
                    + "training job fine-tunes from it")})
    ResponseEntity<Void> delete(@PathVariable String name, @PathVariable int version) {
        registry.delete(name, version);
        return ResponseEntity.noContent().build();
    }
}
