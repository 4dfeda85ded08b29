package io.cnnlab.web;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.comparisons.RunSummary;
import io.cnnlab.jobs.EpochRecord;
import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.core.converter.ResolvedSchema;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.tags.Tag;
import jakarta.validation.constraints.DecimalMin;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ResolvableType;

import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The API description at {@code /v3/api-docs}, browsable at {@code /swagger-ui.html}. Controllers state what is
 * particular to an operation (summary, success status, the errors only it answers); what holds for every operation is
 * added here, so it cannot be forgotten on one: the problem responses with their one schema, tags by feature, exact
 * media types.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    static final String PROBLEM = "ProblemDetail";
    static final String PROBLEM_MEDIA_TYPE = "application/problem+json";

    static final String TRAINING_JOBS = "Training jobs";
    static final String MODELS = "Models";
    static final String CLASSIFICATION = "Classification";
    static final String COMPARISONS = "Comparisons";
    static final String ARCHITECTURES = "Architectures";
    static final String DATASETS = "Data sets";
    static final String OPEN_INFERENCE = "Open Inference Protocol (V2)";

    /** Collections whose JSON page is documented beside a CSV table, by the type of their items. */
    private static final Map<String, Class<?>> PAGES_BESIDE_CSV = Map.of(
            "/api/v1/training-jobs/{id}/metrics", EpochRecord.class,
            "/api/v1/comparisons", RunSummary.class);

    /** Errors any operation can answer beyond the ones it declares, by what the operation takes. */
    private static final Map<String, String> COMMON_ERRORS = Map.of(
            "401", "no API key, or a wrong one (when API keys are configured)",
            "403", "the API key's roles do not allow this request",
            "406", "the Accept header asks for a representation the operation does not give",
            "500", "unexpected error; the detail echoes nothing internal, the error is logged");

    @Bean
    OpenAPI cnnLabApi() {
        return new OpenAPI()
                .info(new Info()
                        .title("cnn-lab")
                        .version("0.1.0")
                        .description("Train the CNN variants " + String.join(", ", Architectures.offered().names())
                                + " on CIFAR-10, keep every run's metrics and checkpoints, and serve classification "
                                + "(REST and the Open Inference Protocol). Every error is an RFC 9457 problem detail ("
                                + PROBLEM_MEDIA_TYPE + ") with a type urn:problem-type:cnn-lab:<kind>.")
                        .license(new License().name("Apache-2.0")))
                .tags(List.of(
                        new Tag().name(TRAINING_JOBS).description("Submit, follow, cancel and delete training runs"),
                        new Tag().name(MODELS).description("Model versions, imports, aliases and evaluation"),
                        new Tag().name(CLASSIFICATION).description("Classify images with a model version"),
                        new Tag().name(COMPARISONS).description("Compare training runs side by side"),
                        new Tag().name(ARCHITECTURES).description("The networks on offer, their cost and recipe"),
                        new Tag().name(DATASETS).description("CIFAR-10 and users' image-folder data sets: upload, register, list, delete"),
                        new Tag().name(OPEN_INFERENCE).description("KServe V2 REST protocol for existing clients")));
    }

    @Bean
    OpenApiCustomizer apiContract() {
        return api -> {
            api.getComponents().addSchemas(PROBLEM, problemSchema());
            api.getComponents().getSchemas().remove("SseEmitter");
            pagesBesideCsv(api);
            pagesNamedByTheirItems(api);
            exclusiveMinimums(api.getComponents().getSchemas().get("TrainingJobRequest"), TrainingJobRequest.class);
            api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
                operation.setTags(List.of(tagOf(path)));
                if (path.endsWith("/classify") && operation.getRequestBody() != null) {
                    operation.getRequestBody().getContent().addMediaType("image/*", new MediaType().schema(
                            new StringSchema().format("binary").description("one encoded image as the whole body")));
                }
                // the raw archive upload reads the request's stream itself, which springdoc cannot see
                if (path.equals("/api/v1/datasets") && method == PathItem.HttpMethod.POST && operation.getRequestBody() != null) {
                    for (String type : List.of("application/zip", "application/gzip")) {
                        operation.getRequestBody().getContent().addMediaType(type, new MediaType().schema(new StringSchema()
                                .format("binary").description("the whole archive as the body (streamed to disk)")));
                    }
                }
                responses(path, method, operation);
            }));
        };
    }

    /**
     * The JSON page of a collection that also answers text/csv: its annotation lists both media types (to document
     * the table), which leaves the generator no schema for the JSON; it gets its envelope here.
     */
    private static void pagesBesideCsv(OpenAPI api) {
        PAGES_BESIDE_CSV.forEach((path, item) -> {
            ResolvedSchema page = ModelConverters.getInstance(true).resolveAsResolvedSchema(new AnnotatedType(
                    ResolvableType.forClassWithGenerics(Page.class, item).getType()).resolveAsRef(true));
            page.referencedSchemas.forEach(api.getComponents().getSchemas()::putIfAbsent);
            PathItem operations = api.getPaths().get(path);
            if (operations != null && operations.getGet() != null) {
                MediaType json = operations.getGet().getResponses().get("200").getContent()
                        .get(org.springframework.http.MediaType.APPLICATION_JSON_VALUE);
                if (json != null) {
                    json.setSchema(page.schema);
                }
            }
        });
    }

    /**
     * The generator names {@code Page<ModelVersion>} "PageModelVersion"; "PageOfModelVersion" says it is the
     * envelope ({@link Page}) of a collection of versions. Pages appear only as response bodies, so only those
     * references need to follow the new names.
     */
    private static void pagesNamedByTheirItems(OpenAPI api) {
        Map<String, Schema> schemas = api.getComponents().getSchemas();
        Map<String, String> renamed = new LinkedHashMap<>();
        schemas.forEach((name, schema) -> {
            if (name.startsWith("Page") && !name.startsWith("PageOf") && schema.getProperties() != null
                    && schema.getProperties().keySet().equals(java.util.Set.of("items", "page", "size", "total"))) {
                renamed.put(name, "PageOf" + name.substring("Page".length()));
            }
        });
        renamed.forEach((from, to) -> schemas.put(to, schemas.remove(from)));
        api.getPaths().values().forEach(item -> item.readOperations().forEach(operation ->
                operation.getResponses().values().stream()
                        .filter(response -> response.getContent() != null)
                        .flatMap(response -> response.getContent().values().stream())
                        .map(MediaType::getSchema)
                        .filter(schema -> schema != null && schema.get$ref() != null)
                        .forEach(schema -> {
                            String name = schema.get$ref().substring(schema.get$ref().lastIndexOf('/') + 1);
                            if (renamed.containsKey(name)) {
                                schema.set$ref("#/components/schemas/" + renamed.get(name));
                            }
                        })));
    }

    private static String tagOf(String path) {
        if (path.startsWith("/v2")) {
            return OPEN_INFERENCE;
        }
        if (path.endsWith("/classify")) {
            return CLASSIFICATION;
        }
        if (path.startsWith("/api/v1/training-jobs")) {
            return TRAINING_JOBS;
        }
        if (path.startsWith("/api/v1/comparisons")) {
            return COMPARISONS;
        }
        if (path.startsWith("/api/v1/architectures")) {
            return ARCHITECTURES;
        }
        if (path.startsWith("/api/v1/datasets")) {
            return DATASETS;
        }
        return MODELS;
    }

    private static void responses(String path, PathItem.HttpMethod method, Operation operation) {
        ApiResponses responses = operation.getResponses();
        for (ApiResponse response : responses.values()) {
            Content content = response.getContent();
            if (content != null && content.containsKey("*/*")) {
                MediaType any = content.remove("*/*");
                content.putIfAbsent(org.springframework.http.MediaType.APPLICATION_JSON_VALUE, any);
            }
            if (content != null && content.containsKey(org.springframework.http.MediaType.TEXT_EVENT_STREAM_VALUE)) {
                content.put(org.springframework.http.MediaType.TEXT_EVENT_STREAM_VALUE, new MediaType().schema(
                        new StringSchema().description("server-sent events: 'state' (the job as GET shows it, "
                                + "with its model version once it has succeeded; first its current state, then each change), 'progress' (at most once a second), 'epoch' (an epoch's "
                                + "metrics); each event's data is JSON")));
            }
        }
        Map<String, String> errors = new LinkedHashMap<>();
        boolean takesInput = operation.getRequestBody() != null
                || (operation.getParameters() != null && !operation.getParameters().isEmpty());
        if (takesInput) {
            errors.put("400", "a parameter or the body is invalid; errors[] names each field or parameter");
        }
        if (path.contains("{")) {
            errors.put("404", "no such resource (job, model, version or alias)");
        }
        if (operation.getRequestBody() != null) {
            errors.put("413", "the body is larger than the service accepts");
            errors.put("415", "Content-Type not accepted here; Accept and Accept-Post list the accepted types");
        }
        errors.putAll(COMMON_ERRORS);
        if (path.startsWith("/v2/health")) { // probes are open to everyone (SecurityConfiguration)
            errors.remove("401");
            errors.remove("403");
        }
        errors.forEach((code, description) -> responses.putIfAbsent(code, new ApiResponse().description(description)));
        responses.forEach((code, response) -> {
            if (code.startsWith("4") || code.startsWith("5")) {
                response.setContent(new Content().addMediaType(PROBLEM_MEDIA_TYPE,
                        new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))));
                if (response.getDescription() == null || response.getDescription().isBlank()) {
                    response.setDescription(COMMON_ERRORS.getOrDefault(code, "error"));
                }
            }
        });
    }

    /** RFC 9457 with the service's {@code errors} extension. */
    private static Schema<?> problemSchema() {
        return new ObjectSchema()
                .description("RFC 9457 problem detail")
                .addProperty("type", new StringSchema().format("uri")
                        .description("urn:problem-type:cnn-lab:<kind>, e.g. invalid-request, not-found").example(
                                "urn:problem-type:cnn-lab:invalid-request"))
                .addProperty("title", new StringSchema().description("the kind of problem, for people"))
                .addProperty("status", new IntegerSchema().description("the HTTP status"))
                .addProperty("detail", new StringSchema().description("what was wrong with this request"))
                .addProperty("instance", new StringSchema().format("uri-reference").description("the request path"))
                .addProperty("errors", new ArraySchema().description("each invalid field or parameter (400 only)")
                        .items(new ObjectSchema()
                                .addProperty("field", new StringSchema().description("the field or parameter, as the API names it"))
                                .addProperty("message", new StringSchema())))
                .addRequiredItem("type").addRequiredItem("title").addRequiredItem("status");
    }

    /** Bean validation's exclusive {@code @DecimalMin}, which the schema generator writes as an inclusive minimum. */
    private static void exclusiveMinimums(Schema<?> schema, Class<? extends Record> type) {
        if (schema == null || schema.getProperties() == null) {
            return;
        }
        for (RecordComponent component : type.getRecordComponents()) {
            DecimalMin min = component.getAccessor().getAnnotation(DecimalMin.class);
            if (min == null) {
                min = component.getAnnotation(DecimalMin.class);
            }
            Schema<?> property = schema.getProperties().get(component.getName());
            if (min != null && !min.inclusive() && property != null) {
                property.setMinimum(null);
                property.setExclusiveMinimumValue(new BigDecimal(min.value()));
            }
        }
    }
}
