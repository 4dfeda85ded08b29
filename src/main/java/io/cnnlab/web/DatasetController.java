package io.cnnlab.web;

import io.cnnlab.datasets.Dataset;
import io.cnnlab.datasets.Datasets;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;

/**
 * Data sets: the built-in CIFAR-10 and users' image folders, uploaded as a zip or tar.gz (the raw body, or the
 * multipart part {@code file}) or registered from a server-side folder (JSON).
 */
@RestController
@Validated
@RequestMapping("/api/v1/datasets")
class DatasetController {

    /** A server-side folder to register; it must lie under one of {@code cnn.datasets.roots}. */
    record FolderRequest(String name, @NotBlank String path, Double testFraction) {
    }

    private static final String UPLOAD_DESCRIPTION = "The archive holds <class>/<image> folders, optionally under "
            + "top-level train/ and test/ (then that split is kept; otherwise a stratified split with a fixed seed "
            + "puts testFraction of each class into test). Folders every image shares above the class folders are "
            + "ignored. Each image is decoded once (PNG, JPEG incl. CMYK and EXIF orientation, GIF, BMP, WebP, TIFF) "
            + "and stored as 32x32. Files that are not images, cannot be decoded, are hidden (.name, __MACOSX) or are "
            + "archives themselves (nested archives are not opened) are listed in 'rejected' and do not fail the "
            + "import. Refused as a whole, with nothing left behind: not a zip or tar.gz (415), entries with '..' or "
            + "absolute paths, symbolic or hard links (400), over the limits cnn.datasets.max-upload-bytes, "
            + "max-uncompressed-bytes, max-entries or max-pixels of one image (413), no images or a single class "
            + "(400). The body's Content-Length is checked before it is read.";

    private final Datasets datasets;

    DatasetController(Datasets datasets) {
        this.datasets = datasets;
    }

    @PostMapping(consumes = {"application/zip", "application/gzip", "application/x-gzip", "application/x-tar+gzip",
            MediaType.APPLICATION_OCTET_STREAM_VALUE})
    @Operation(summary = "Upload a data set: a zip or tar.gz as the request body", description = UPLOAD_DESCRIPTION,
            responses = {
                    @ApiResponse(responseCode = "201", description = "imported; Location names the data set"),
                    @ApiResponse(responseCode = "400", description = "unsafe entries, damaged archive, no images, one class"),
                    @ApiResponse(responseCode = "413", description = "over a configured limit"),
                    @ApiResponse(responseCode = "415", description = "not a zip or tar.gz"),
                    @ApiResponse(responseCode = "503", description = "as many imports as allowed are running (Retry-After)")})
    ResponseEntity<Dataset> upload(HttpServletRequest request,
                                   @Parameter(description = "a label; default: dataset-<id prefix>") @RequestParam(required = false) String name,
                                   @Parameter(description = "share of each class for testing, 0 to 0.9; default 0.2")
                                   @RequestParam(required = false) Double testFraction) throws IOException {
        try (InputStream body = request.getInputStream()) {
            return created(datasets.importArchive(body, name, testFraction));
        }
    }

    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @Operation(summary = "Upload a data set: a zip or tar.gz as the multipart part 'file'", description = UPLOAD_DESCRIPTION
            + " The name defaults to the file's name without its extension; a multipart upload is also bounded by "
            + "spring.servlet.multipart.max-request-size.",
            responses = @ApiResponse(responseCode = "201", description = "imported; Location names the data set"))
    ResponseEntity<Dataset> uploadPart(@RequestParam("file") MultipartFile file, @RequestParam(required = false) String name,
                                       @RequestParam(required = false) Double testFraction) throws IOException {
        String fallback = file.getOriginalFilename() == null ? null
                : file.getOriginalFilename().replaceAll("^.*[/\\\\]", "").replaceAll("(\\.tar)?\\.[A-Za-z0-9]+$", "");
        try (InputStream body = file.getInputStream()) {
            return created(datasets.importArchive(body, name == null ? fallback : name, testFraction));
        }
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Register a server-side folder of <class>/<image> folders as a data set",
            description = "Only under a folder of cnn.datasets.roots (403 when none is configured or the path, once "
                    + "links are resolved, lies outside them). The images are decoded and stored like an upload's.",
            responses = {
                    @ApiResponse(responseCode = "201", description = "registered; Location names the data set"),
                    @ApiResponse(responseCode = "403", description = "folder registration is off, or outside the roots")})
    ResponseEntity<Dataset> register(@Valid @RequestBody FolderRequest request) {
        return created(datasets.registerFolder(request.name(), request.path(), request.testFraction()));
    }

    @GetMapping
    @Operation(summary = "List data sets: cifar10 first, then users' sets newest first")
    Page<Dataset> list(
            @RequestParam(defaultValue = "0") @Min(Page.PAGE_MIN) @Max(Page.PAGE_MAX) int page,
            @RequestParam(defaultValue = Page.DEFAULT_SIZE) @Min(Page.SIZE_MIN) @Max(Page.SIZE_MAX) int size) {
        Datasets.Listing listing = datasets.list(page, size);
        return Page.of(listing.items(), page, size, listing.total());
    }

    @GetMapping("/{id}")
    @Operation(summary = "Get a data set: classes, counts per class and split, rejected files")
    Dataset get(@PathVariable String id) {
        return datasets.get(id);
    }

    @GetMapping("/{id}/samples")
    @Operation(summary = "Sample pictures of each class: the stored 32x32 images as PNG data URLs",
            description = "The first perClass images of each class in the training split (then the test split when "
                    + "training holds fewer), class by class in label order. Reads the set's stored images; for "
                    + "cifar10 they must be on disk (cnn.data-dir).",
            responses = {
                    @ApiResponse(responseCode = "200", description = "the samples"),
                    @ApiResponse(responseCode = "400", description = "perClass, page or size out of range"),
                    @ApiResponse(responseCode = "404", description = "no such data set"),
                    @ApiResponse(responseCode = "409", description = "the set's images cannot be read (CIFAR-10 not on disk)")})
    Page<DatasetSamples.Sample> samples(
            @PathVariable String id,
            @Parameter(description = "pictures of each class, 1 to 20") @RequestParam(defaultValue = "4") @Min(1)
            @Max(DatasetSamples.MAX_PER_CLASS) int perClass,
            @RequestParam(defaultValue = "0") @Min(Page.PAGE_MIN) @Max(Page.PAGE_MAX) int page,
            @RequestParam(defaultValue = Page.DEFAULT_SIZE) @Min(Page.SIZE_MIN) @Max(Page.SIZE_MAX) int size) {
        datasets.get(id); // an unknown id is a 404 before anything is read
        return DatasetSamples.of(datasets.load(id), perClass, page, size);
    }

    @DeleteMapping("/{id}")
    @Operation(summary = "Delete a data set and its stored images", responses = {
            @ApiResponse(responseCode = "204", description = "deleted"),
            @ApiResponse(responseCode = "404", description = "no such data set"),
            @ApiResponse(responseCode = "409", description = "the built-in set, or a queued or running job uses it")})
    ResponseEntity<Void> delete(@PathVariable String id) {
        datasets.delete(id);
        return ResponseEntity.noContent().build();
    }

    private static ResponseEntity<Dataset> created(Dataset dataset) {
        return ResponseEntity.created(URI.create("/api/v1/datasets/" + dataset.id())).body(dataset);
    }
}
