package io.cnnlab.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.cnnlab.inference.Classifier;
import io.cnnlab.inference.Prediction;
import io.cnnlab.jobs.TrainingJobs;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
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
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The Open Inference Protocol (KServe V2, REST), so existing clients work unchanged. Inputs: FP32
 * {@code [N,24,24,3]} already preprocessed, UINT8 {@code [N,32,32,3]} raw pixels, or BYTES {@code [N]} of base64
 * encoded images. The classification extension ({@code parameters.classification: k} on the output) answers
 * Triton-style {@code "score:index:label"} strings.
 */
@RestController
@RequestMapping("/v2")
class OpenInferenceController {

    static final String INPUT = "input";
    static final String OUTPUT = "probabilities";

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

    OpenInferenceController(ModelRegistry registry, Classifier classifier, TrainingJobs jobs) {
        this.registry = registry;
        this.classifier = classifier;
        this.jobs = jobs;
    }

    @GetMapping("/health/live")
    Map<String, Boolean> live() {
        return Map.of("live", true);
    }

    @GetMapping("/health/ready")
    ResponseEntity<Map<String, Boolean>> ready() {
        boolean ready = jobs.workersAlive();
        return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("ready", ready));
    }

    @GetMapping
    Map<String, Object> server() {
        return Map.of("name", "cnn-lab", "version", "0.1.0", "extensions", List.of("classification"));
    }

    @GetMapping({"/models/{name}", "/models/{name}/versions/{version}"})
    ModelMetadata metadata(@PathVariable String name, @PathVariable(required = false) Integer version) {
        ModelVersion target = resolve(name, version);
        List<String> versions = version != null ? List.of(String.valueOf(version))
                : registry.model(name).versions().stream().map(v -> String.valueOf(v.version())).toList();
        long crop = classifier.crop();
        return new ModelMetadata(name, versions, "dl4j_computation_graph",
                List.of(new TensorMetadata(INPUT, "FP32", List.of(-1L, crop, crop, 3L)),
                        new TensorMetadata(INPUT, "UINT8", List.of(-1L, 32L, 32L, 3L)),
                        new TensorMetadata(INPUT, "BYTES", List.of(-1L))),
                List.of(new TensorMetadata(OUTPUT, "FP32", List.of(-1L, (long) target.labels().size()))));
    }

    @GetMapping({"/models/{name}/ready", "/models/{name}/versions/{version}/ready"})
    Map<String, Object> modelReady(@PathVariable String name, @PathVariable(required = false) Integer version) {
        return Map.of("name", name, "ready", resolve(name, version) != null);
    }

    @PostMapping({"/models/{name}/infer", "/models/{name}/versions/{version}/infer"})
    @io.swagger.v3.oas.annotations.Operation(summary = "Open Inference Protocol (KServe V2) inference",
            description = "One input: FP32 [N,24,24,3] preprocessed, UINT8 [N,32,32,3] raw pixels, or BYTES [N] encoded "
                    + "images (base64 in JSON). With parameters.classification = k on the output, answers Triton-style "
                    + "\"score:index:label\" strings; otherwise FP32 probabilities [N,10]. Errors as {\"error\": ...}.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @io.swagger.v3.oas.annotations.media.Content(
                    mediaType = "application/json", examples = @io.swagger.v3.oas.annotations.media.ExampleObject(
                    name = "one encoded image, top-3 classes", value = "{\"inputs\":[{\"name\":\"image\",\"shape\":[1],"
                    + "\"datatype\":\"BYTES\",\"data\":[\"iVBORw0KGgo...\"]}],\"outputs\":[{\"name\":\"probabilities\","
                    + "\"parameters\":{\"classification\":3}}]}"))),
            responses = @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "200",
                    content = @io.swagger.v3.oas.annotations.media.Content(mediaType = "application/json",
                            examples = @io.swagger.v3.oas.annotations.media.ExampleObject(name = "classification extension",
                                    value = "{\"model_name\":\"cifar-baseline\",\"model_version\":\"3\",\"outputs\":[{"
                                            + "\"name\":\"probabilities\",\"shape\":[1,3],\"datatype\":\"BYTES\",\"data\":"
                                            + "[\"0.910000:3:cat\",\"0.050000:5:dog\",\"0.020000:2:bird\"]}]}"))))
    InferResponse infer(@PathVariable String name, @PathVariable(required = false) Integer version,
                        @RequestBody InferRequest request) {
        ModelVersion target = resolve(name, version);
        if (request.inputs() == null || request.inputs().size() != 1) {
            throw new InvalidRequestException("expected exactly one input tensor");
        }
        Tensor input = request.inputs().get(0);
        float[][] probabilities = switch (String.valueOf(input.datatype())) {
            case "FP32" -> classifier.probabilities(target, preprocessed(input), count(input));
            case "UINT8" -> classifier.probabilities(target, rawPixels(input), count(input));
            case "BYTES" -> classifier.probabilities(target, encoded(input), count(input));
            default -> throw new InvalidRequestException("input datatype must be FP32, UINT8 or BYTES, was " + input.datatype());
        };
        Integer k = classificationK(request.outputs());
        int n = probabilities.length;
        OutputTensor output;
        if (k != null) {
            List<Object> data = new ArrayList<>();
            int kept = 0;
            for (float[] row : probabilities) {
                List<Prediction> top = Classifier.topK(row, target.labels(), k);
                kept = top.size();
                top.forEach(p -> data.add("%f:%d:%s".formatted(p.probability(), p.index(), p.label())));
            }
            output = new OutputTensor(OUTPUT, "BYTES", List.of((long) n, (long) kept), data);
        } else {
            List<Object> data = new ArrayList<>();
            for (float[] row : probabilities) {
                for (float p : row) {
                    data.add(p);
                }
            }
            output = new OutputTensor(OUTPUT, "FP32", List.of((long) n, (long) target.labels().size()), data);
        }
        return new InferResponse(target.name(), String.valueOf(target.version()), request.id(), List.of(output));
    }

    private ModelVersion resolve(String name, Integer version) {
        return version != null ? registry.version(name, version) : registry.defaultVersion(name);
    }

    private static Integer classificationK(List<RequestedOutput> outputs) {
        if (outputs == null) {
            return null;
        }
        for (RequestedOutput output : outputs) {
            if (output.parameters() != null && output.parameters().get("classification") instanceof Number k) {
                if (k.intValue() < 1) {
                    throw new InvalidRequestException("parameters.classification must be at least 1");
                }
                return k.intValue();
            }
        }
        return null;
    }

    private static int count(Tensor input) {
        if (input.shape() == null || input.shape().isEmpty() || input.shape().get(0) < 1 || input.shape().get(0) > 100_000) {
            throw new InvalidRequestException("input shape must start with the batch size N >= 1");
        }
        return Math.toIntExact(input.shape().get(0));
    }

    /** FP32 [N, crop, crop, 3] (NHWC, as clients send it) to the network's NCHW layout. */
    private float[] preprocessed(Tensor input) {
        int n = count(input);
        int crop = classifier.crop();
        expectShape(input, List.of((long) n, (long) crop, (long) crop, 3L));
        float[] nhwc = new float[n * classifier.inputSize()];
        int i = 0;
        for (double value : flatten(input.data(), nhwc.length)) {
            nhwc[i++] = (float) value;
        }
        float[] nchw = new float[nhwc.length];
        for (int b = 0; b < n; b++) {
            for (int y = 0; y < crop; y++) {
                for (int x = 0; x < crop; x++) {
                    for (int c = 0; c < 3; c++) {
                        nchw[((b * 3 + c) * crop + y) * crop + x] = nhwc[((b * crop + y) * crop + x) * 3 + c];
                    }
                }
            }
        }
        return nchw;
    }

    /** UINT8 [N, 32, 32, 3] pixels: planes, then the evaluation preprocessing. */
    private float[] rawPixels(Tensor input) {
        int n = count(input);
        expectShape(input, List.of((long) n, 32L, 32L, 3L));
        double[] values = flatten(input.data(), n * 3072);
        float[] inputs = new float[n * classifier.inputSize()];
        for (int b = 0; b < n; b++) {
            byte[] planes = new byte[3072];
            for (int p = 0; p < 1024; p++) {
                for (int c = 0; c < 3; c++) {
                    double v = values[b * 3072 + p * 3 + c];
                    if (v < 0 || v > 255 || v != Math.rint(v)) {
                        throw new InvalidRequestException("UINT8 values must be integers 0..255, found " + v);
                    }
                    planes[c * 1024 + p] = (byte) (int) v;
                }
            }
            classifier.preprocessPixels(planes, inputs, b);
        }
        return inputs;
    }

    /** BYTES [N]: base64 strings of encoded images. */
    private float[] encoded(Tensor input) {
        int n = count(input);
        if (input.data() == null || !input.data().isArray() || input.data().size() != n) {
            throw new InvalidRequestException("BYTES input must carry N base64 strings");
        }
        float[] inputs = new float[n * classifier.inputSize()];
        for (int b = 0; b < n; b++) {
            byte[] image;
            try {
                image = Base64.getMimeDecoder().decode(input.data().get(b).asString());
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("BYTES element %d is not base64".formatted(b));
            }
            classifier.preprocessPixels(classifier.decode(image), inputs, b);
        }
        return inputs;
    }

    private static void expectShape(Tensor input, List<Long> expected) {
        if (!expected.equals(input.shape())) {
            throw new InvalidRequestException("%s input must have shape %s, was %s".formatted(input.datatype(), expected, input.shape()));
        }
    }

    /** Row-major values of a flat or nested JSON array, which must hold exactly {@code size} numbers. */
    private static double[] flatten(JsonNode data, int size) {
        double[] values = new double[size];
        int[] count = {0};
        flattenInto(data, values, count);
        if (count[0] != size) {
            throw new InvalidRequestException("input data has %d values, its shape needs %d".formatted(count[0], size));
        }
        return values;
    }

    private static void flattenInto(JsonNode node, double[] values, int[] count) {
        if (node == null) {
            throw new InvalidRequestException("input data is missing");
        }
        if (node.isArray()) {
            for (JsonNode child : node) {
                flattenInto(child, values, count);
            }
        } else if (node.isNumber()) {
            if (count[0] >= values.length) {
                count[0]++;
                return;
            }
            values[count[0]++] = node.asDouble();
        } else {
            throw new InvalidRequestException("input data must be numbers");
        }
    }
}
