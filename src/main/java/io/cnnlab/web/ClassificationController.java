package io.cnnlab.web;

import io.cnnlab.inference.Classification;
import io.cnnlab.inference.Classifier;
import io.cnnlab.inference.Images;
import io.cnnlab.inference.InferenceProperties;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.http.MediaType;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Classification of the default version ({@code production} alias, else the newest), a version, or an alias, with
 * images as multipart {@code file} parts, a raw {@code image/*} body, or JSON {@code {"images": ["<base64>"]}}.
 */
@RestController
@Validated
@RequestMapping("/api/v1/models")
class ClassificationController {

    record Base64Images(List<String> images) {
    }

    static final String CLASSIFY_EXAMPLE = "{\"modelName\":\"cifar-baseline\",\"version\":3,\"predictions\":[[{\"label\":\"cat\","
            + "\"index\":3,\"probability\":0.91},{\"label\":\"dog\",\"index\":5,\"probability\":0.05}]]}";

    private final ModelRegistry registry;
    private final Classifier classifier;
    private final InferenceProperties properties;

    ClassificationController(ModelRegistry registry, Classifier classifier, InferenceProperties properties) {
        this.registry = registry;
        this.classifier = classifier;
        this.properties = properties;
    }

    @PostMapping(path = {"/{name}/classify", "/{name}/versions/{version}/classify", "/{name}/aliases/{alias}/classify"},
            consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @io.swagger.v3.oas.annotations.Operation(summary = "Classify images",
            description = "One list of top-k predictions per image, in upload order. The images come as multipart "
                    + "parts named file, as a raw image/* body (one image), or as JSON {\"images\":[\"<base64>\"]} "
                    + "(each string base64 or a data:image/...;base64, URL). ?flip=true averages each image with its mirror image "
                    + "(test-time augmentation, twice the work). 400 undecodable, 413 too large, 415 not an image, 404 "
                    + "unknown model/version/alias, 503 busy (Retry-After).",
            responses = {@io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "200",
                    content = @io.swagger.v3.oas.annotations.media.Content(mediaType = "application/json",
                            examples = @io.swagger.v3.oas.annotations.media.ExampleObject(name = "top-2 of one image",
                                    value = CLASSIFY_EXAMPLE))),
                    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "400",
                            description = "an image claims a known format but cannot be decoded, or a parameter is invalid"),
                    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "413",
                            description = "too many bytes or too many pixels"),
                    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "415",
                            description = "the body is not multipart/form-data, image/* or application/json, or an "
                                    + "image is in no format the service reads (PNG, JPEG, GIF, BMP, WebP, TIFF)"),
                    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "503",
                            description = "busy (Retry-After) or the model is unavailable")})
    Classification multipart(@PathVariable String name, @PathVariable(required = false) Integer version,
                             @PathVariable(required = false) String alias,
                             @RequestParam("file") List<MultipartFile> files,
                             @RequestParam(defaultValue = "5") @Min(1) @Max(1000) int topK,
                             @RequestParam(defaultValue = "false") boolean flip) {
        // the parts wait on disk; the classifier reads each only when its turn to be decoded comes
        return classifier.classify(resolve(name, version, alias), new Images.Encoded(files.size(), new Images.EncodedSource() {
            @Override
            public long declaredBytes(int index) {
                return files.get(index).getSize();
            }

            @Override
            public byte[] read(int index) throws IOException {
                return files.get(index).getBytes();
            }
        }), topK, flip);
    }

    @PostMapping(path = {"/{name}/classify", "/{name}/versions/{version}/classify", "/{name}/aliases/{alias}/classify"},
            consumes = "image/*")
    Classification raw(@PathVariable String name, @PathVariable(required = false) Integer version,
                       @PathVariable(required = false) String alias, HttpServletRequest request,
                       @RequestParam(defaultValue = "5") @Min(1) @Max(1000) int topK,
                       @RequestParam(defaultValue = "false") boolean flip) throws IOException {
        return classifier.classify(resolve(name, version, alias), Images.encoded(List.of(body(request))), topK, flip);
    }

    @PostMapping(path = {"/{name}/classify", "/{name}/versions/{version}/classify", "/{name}/aliases/{alias}/classify"},
            consumes = MediaType.APPLICATION_JSON_VALUE)
    Classification base64(@PathVariable String name, @PathVariable(required = false) Integer version,
                          @PathVariable(required = false) String alias, @RequestBody Base64Images body,
                          @RequestParam(defaultValue = "5") @Min(1) @Max(1000) int topK,
                          @RequestParam(defaultValue = "false") boolean flip) {
        if (body.images() == null) {
            throw new InvalidRequestException("expected {\"images\": [\"<base64>\", ...]}");
        }
        return classifier.classify(resolve(name, version, alias),
                Images.base64(new java.util.AbstractList<>() { // lazy: each is stripped when its turn to be decoded comes
                    @Override
                    public String get(int index) {
                        return withoutDataUrlPrefix(body.images().get(index));
                    }

                    @Override
                    public int size() {
                        return body.images().size();
                    }
                }), topK, flip);
    }

    /**
     * A {@code data:image/png;base64,...} URL (what a browser's FileReader gives) is its base64 part; any other
     * string is taken as base64 as it is.
     */
    static String withoutDataUrlPrefix(String image) {
        if (image == null || !image.regionMatches(true, 0, "data:", 0, 5)) {
            return image;
        }
        int comma = image.indexOf(',');
        if (comma < 0 || !image.substring(0, comma).toLowerCase(java.util.Locale.ROOT).endsWith(";base64")) {
            throw new InvalidRequestException("images: a data URL must be base64 encoded (data:<type>;base64,<data>)");
        }
        return image.substring(comma + 1);
    }

    private ModelVersion resolve(String name, Integer version, String alias) {
        if (version != null) {
            return registry.version(name, version);
        }
        if (alias != null) {
            return registry.byAlias(name, alias);
        }
        return registry.defaultVersion(name);
    }

    /** The raw body, refused past {@code cnn.inference.max-upload-bytes} without reading the rest. */
    private byte[] body(HttpServletRequest request) throws IOException {
        long max = properties.maxUploadBytes().toBytes();
        if (request.getContentLengthLong() > max) {
            throw new PayloadTooLargeException(request.getContentLengthLong(), max, "cnn.inference.max-upload-bytes");
        }
        try (InputStream in = request.getInputStream()) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (bytes.length > max) {
                throw new PayloadTooLargeException(bytes.length, max, "cnn.inference.max-upload-bytes");
            }
            return bytes;
        }
    }
}
