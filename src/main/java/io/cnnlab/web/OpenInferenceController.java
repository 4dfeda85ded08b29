package io.cnnlab.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.cnnlab.inference.Classifier;
import io.cnnlab.inference.Images;
import io.cnnlab.inference.Prediction;
import io.cnnlab.jobs.TrainingJobs;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.networks.InputDescription;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Open Inference Protocol (KServe V2, REST), so existing clients work unchanged. This class only maps the
 * protocol's JSON to {@link Images} and the probabilities back; limits, decoding, batching and errors are the
 * {@link Classifier}'s, the same as for REST classify. Inputs (one per request, chosen by datatype): BYTES
 * {@code image} [N] base64 encoded images, UINT8 {@code pixels} [N,32,32,3] raw pixels, FP32 {@code input}
 * [N,24,24,3] already preprocessed; the name {@code input} is accepted for all three, as it was the only one. The
 * classification extension ({@code parameters.classification: k} on the output) answers Triton-style
 * {@code "score:index:label"} strings.
 */
@RestController
@RequestMapping("/v2")
class OpenInferenceController {

    static final String OUTPUT = "probabilities";
    static final String LEGACY_INPUT = "input";

    record Tensor(String name, String datatype, List<Long> shape, Map<String, Object> parameters, JsonNode data) {
    }

    record RequestedOutput(String name, Map<String, Object> parameters) {
    }

    /** {@code parameters} is the protocol's optional request-level map; read so strict JSON accepts it, not used. */
    record InferRequest(String id, Map<String, Object> parameters, List<Tensor> inputs, List<RequestedOutput> outputs) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record OutputTensor(String name, String datatype, List<Long> shape, List<Object> data) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record InferResponse(@JsonProperty("model_name") String modelName, @JsonProperty("model_version") String modelVersion,
                         String id, List<OutputTensor> outputs) {
    }

    record TensorMetadata(String name, String datatype, List<Long> shape) {
    }

    record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
                         List<TensorMetadata> outputs) {
    }

    private final ModelRegistry registry;
    private final Classifier classifier;
    private final TrainingJobs jobs;
    private final String serverVersion;

    OpenInferenceController(ModelRegistry registry, Classifier classifier, TrainingJobs jobs,
                            ObjectProvider<BuildProperties> build) {
        this.registry = registry;
        this.classifier = classifier;
        this.jobs = jobs;
        BuildProperties properties = build.getIfAvailable();
        this.serverVersion = properties != null ? properties.getVersion() : "unknown";
    }

    @GetMapping("/health/live")
    @Operation(summary = "Server liveness")
    Map<String, Boolean> live() {
        return Map.of("live", true);
    }

    @GetMapping("/health/ready")
    @Operation(summary = "Server readiness", responses = {@ApiResponse(responseCode = "200", description = "ready"), @ApiResponse(responseCode = "503", description = "the training workers are not running")})
    ResponseEntity<Map<String, Boolean>> ready() {
        boolean ready = jobs.workersAlive();
        return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("ready", ready));
    }

    @GetMapping({"", "/"})
    @Operation(summary = "Server metadata")
    Map<String, Object> server() {
        return Map.of("name", "cnn-lab", "version", serverVersion, "extensions", List.of("classification"));
    }

    @GetMapping({"/models/{name}", "/models/{name}/versions/{version}"})
    @Operation(summary = "Model metadata: inputs, outputs, versions")
    ModelMetadata metadata(@PathVariable String name, @PathVariable(required = false) Integer version) {
        ModelVersion target = resolve(name, version);
        List<String> versions = version != null ? List.of(String.valueOf(version))
                : registry.model(name).versions().stream().map(v -> String.valueOf(v.version())).toList();
        InputDescription in = classifier.input();
        return new ModelMetadata(name, versions, "dl4j_computation_graph",
                List.of(new TensorMetadata(Form.BYTES.inputName, "BYTES", List.of(-1L)),
                        new TensorMetadata(Form.UINT8.inputName, "UINT8", List.of(-1L, (long) in.side(), (long) in.side(), (long) in.channels())),
                        new TensorMetadata(Form.FP32.inputName, "FP32", List.of(-1L, (long) in.crop(), (long) in.crop(), (long) in.channels()))),
                List.of(new TensorMetadata(OUTPUT, "FP32", List.of(-1L, (long) target.labels().size()))));
    }

    /** 200 when the version is loaded or loadable (its file present and intact), 503 when it is not. */
    @GetMapping({"/models/{name}/ready", "/models/{name}/versions/{version}/ready"})
    @Operation(summary = "Model readiness", responses = {@ApiResponse(responseCode = "200", description = "loaded or loadable"), @ApiResponse(responseCode = "503", description = "the version's file is missing or damaged")})
    ResponseEntity<Map<String, Object>> modelReady(@PathVariable String name, @PathVariable(required = false) Integer version) {
        boolean ready = classifier.ready(resolve(name, version));
        return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .body(Map.of("name", name, "ready", ready));
    }

    @PostMapping({"/models/{name}/infer", "/models/{name}/versions/{version}/infer"})
    @Operation(summary = "Open Inference Protocol (KServe V2) inference",
            description = "One input, by datatype: BYTES \"image\" [N] encoded images (base64 in JSON), UINT8 \"pixels\" "
                    + "[N,32,32,3] raw pixels, or FP32 \"input\" [N,24,24,3] preprocessed (\"input\" is accepted for all "
                    + "three). With parameters.classification = k on the output, answers Triton-style "
                    + "\"score:index:label\" strings; otherwise FP32 probabilities [N,10]. The one output is \"probabilities\": "
                    + "a request naming another is a 400. Errors as problem details "
                    + "with an \"error\" field.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
                    mediaType = "application/json", examples = @ExampleObject(
                    name = "one encoded image, top-3 classes", value = "{\"inputs\":[{\"name\":\"image\",\"shape\":[1],"
                    + "\"datatype\":\"BYTES\",\"data\":[\"iVBORw0KGgo...\"]}],\"outputs\":[{\"name\":\"probabilities\","
                    + "\"parameters\":{\"classification\":3}}]}"))),
            responses = {@ApiResponse(responseCode = "200", content = @Content(mediaType = "application/json",
                    examples = @ExampleObject(name = "classification extension",
                            value = "{\"model_name\":\"cifar-baseline\",\"model_version\":\"3\",\"outputs\":[{"
                                    + "\"name\":\"probabilities\",\"shape\":[1,3],\"datatype\":\"BYTES\",\"data\":"
                                    + "[\"0.910000:3:cat\",\"0.050000:5:dog\",\"0.020000:2:bird\"]}]}"))),
                    @ApiResponse(responseCode = "503", description = "busy (Retry-After) or the model is unavailable")})
    InferResponse infer(@PathVariable String name, @PathVariable(required = false) Integer version,
                        @RequestBody InferRequest request) {
        ModelVersion target = resolve(name, version);
        if (request.inputs() == null || request.inputs().size() != 1 || request.inputs().get(0) == null) {
            throw new InvalidRequestException("expected exactly one input tensor");
        }
        Integer k = classificationK(request.outputs());
        float[][] probabilities = classifier.probabilities(target, images(request.inputs().get(0)), false);
        List<Object> data = new ArrayList<>();
        List<Long> shape;
        if (k != null) {
            int kept = 0;
            for (float[] row : probabilities) {
                List<Prediction> top = Classifier.topK(row, target.labels(), k);
                kept = top.size();
                top.forEach(p -> data.add("%f:%d:%s".formatted(p.probability(), p.index(), p.label())));
            }
            shape = List.of((long) probabilities.length, (long) kept);
        } else {
            for (float[] row : probabilities) {
                for (float p : row) {
                    data.add(p);
                }
            }
            shape = List.of((long) probabilities.length, (long) target.labels().size());
        }
        OutputTensor output = new OutputTensor(OUTPUT, k != null ? "BYTES" : "FP32", shape, data);
        return new InferResponse(target.name(), String.valueOf(target.version()), request.id(), List.of(output));
    }

    /** The datatypes and the input name the metadata gives each. */
    private enum Form {
        BYTES("image"), UINT8("pixels"), FP32("input");

        final String inputName;

        Form(String inputName) {
            this.inputName = inputName;
        }
    }

    private static Images images(Tensor input) {
        Form form;
        try {
            form = Form.valueOf(String.valueOf(input.datatype()));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("input datatype must be BYTES, UINT8 or FP32, was " + input.datatype());
        }
        if (input.name() != null && !input.name().equals(form.inputName) && !input.name().equals(LEGACY_INPUT)) {
            throw new InvalidRequestException("a %s input is named \"%s\", was \"%s\"".formatted(form, form.inputName, input.name()));
        }
        return switch (form) {
            case FP32 -> new Images.Tensor(input.shape(), new JsonNumbers(input.data()));
            case UINT8 -> new Images.Pixels(input.shape(), new JsonNumbers(input.data()));
            case BYTES -> base64(input);
        };
    }

    /** BYTES [N]: N base64 strings, decoded one at a time by the classifier once N is checked. */
    private static Images base64(Tensor input) {
        JsonNode data = input.data();
        if (input.shape() == null || input.shape().size() != 1 || data == null || !data.isArray()
                || !Long.valueOf(data.size()).equals(input.shape().get(0))) {
            throw new InvalidRequestException("a BYTES input has shape [N] and carries N base64 strings");
        }
        List<String> strings = new ArrayList<>(data.size());
        for (JsonNode element : data) {
            if (!element.isString()) {
                throw new InvalidRequestException("BYTES elements must be base64 strings");
            }
            strings.add(element.asString());
        }
        return Images.base64(strings);
    }

    private static String abbreviated(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }

    private ModelVersion resolve(String name, Integer version) {
        return version != null ? registry.version(name, version) : registry.defaultVersion(name);
    }

    /**
     * The classification k asked for on the output, if any. The model has one output: a request naming another is
     * refused rather than answered with this one under a name the client did not ask for.
     */
    private static Integer classificationK(List<RequestedOutput> outputs) {
        if (outputs == null) {
            return null;
        }
        for (RequestedOutput output : outputs) {
            if (output == null || !OUTPUT.equals(output.name())) {
                throw new InvalidRequestException("outputs: unknown output %s; this model's only output is \"%s\""
                        .formatted(output == null || output.name() == null ? "(no name)" : "\"" + abbreviated(output.name()) + "\"",
                                OUTPUT));
            }
        }
        for (RequestedOutput output : outputs) {
            if (output != null && output.parameters() != null && output.parameters().get("classification") instanceof Number k) {
                if (k.intValue() < 1) {
                    throw new InvalidRequestException("parameters.classification must be at least 1");
                }
                return k.intValue();
            }
        }
        return null;
    }
}
