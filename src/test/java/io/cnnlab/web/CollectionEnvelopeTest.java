package io.cnnlab.web;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.checkpoints.Checkpoint;
import io.cnnlab.checkpoints.CheckpointStore;
import io.cnnlab.comparisons.Comparisons;
import io.cnnlab.inference.Classifier;
import io.cnnlab.inference.ModelEvaluator;
import io.cnnlab.inference.ModelImporter;
import io.cnnlab.jobs.EpochRecord;
import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.TrainingJob;
import io.cnnlab.jobs.TrainingJobs;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.retention.Retention;
import io.cnnlab.training.TrainingPlan;
import io.cnnlab.training.TrainingPlans;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

/**
 * Every collection the JSON API answers is one envelope, {@code {items, page, size, total}}, that really pages and
 * refuses the same page sizes; and a field name means one thing in every answer: a count of parameters is
 * {@code parameterCount}, never {@code parameters}; {@code epochs} is only ever epochs asked for (a recipe's); and
 * {@code model} is a {name, version} link, a model's name is {@code modelName}.
 */
@WebMvcTest({TrainingJobController.class, ComparisonController.class, ArchitectureController.class,
        ModelController.class})
@Import({CollectionEnvelopeTest.Beans.class, Comparisons.class, JobEventStreams.class, JobViews.class})
class CollectionEnvelopeTest {

    static final String A = "6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11";
    static final String B = "0b7e4f4c-8a55-4b0e-a1f3-3c9d2e7f6a10";

    /** Each collection endpoint, holding exactly two elements. */
    static final List<String> COLLECTIONS = List.of(
            "/api/v1/training-jobs",
            "/api/v1/training-jobs/" + A + "/metrics",
            "/api/v1/training-jobs/" + A + "/checkpoints",
            "/api/v1/models",
            "/api/v1/models/cats/versions",
            "/api/v1/comparisons?jobs=" + B + "," + A,
            "/api/v1/architectures");

    static class Beans {
        /** Two networks, so the architectures are a two-element collection like the others. */
        @Bean
        Architectures architectures() {
            return new Architectures(Architectures.seed().all().subList(0, 2));
        }
    }

    @Autowired
    MockMvc mvc;

    @Autowired
    Architectures architectures;

    @MockitoBean
    io.cnnlab.datasets.Datasets datasets;

    @MockitoBean
    TrainingJobs jobs;

    @MockitoBean
    CheckpointStore checkpoints;

    @MockitoBean
    ModelRegistry models;

    @MockitoBean
    Retention retention;

    @MockitoBean
    io.cnnlab.training.RunContinuations continuations;

    @MockitoBean
    Classifier classifier;

    @MockitoBean
    ModelImporter importer;

    @MockitoBean
    ModelEvaluator evaluator;

    @MockitoBean
    io.cnnlab.inference.ModelExporter exporter;

    private final JsonMapper json = JsonMapper.builder().build();

    private TrainingJob job(String id) {
        TrainingPlan plan = TrainingPlan.seedDefaults(architectures.get("baseline")).withEpochs(2);
        return new TrainingJob(id, "baseline", "cats", JobState.SUCCEEDED, TrainingPlans.toJson(plan),
                Instant.EPOCH, Instant.EPOCH, Instant.EPOCH, 2, 200, 200L, 1000.0, null, 0.66, null, 1, null, false);
    }

    private static EpochRecord epoch(int n, double testAccuracy) {
        return new EpochRecord(n, n * 100L, 1.5, 0.5, 1.4, testAccuracy, 1200, 40, 0.01, 1e-4);
    }

    private static ModelVersion version(String name, int version) {
        return new ModelVersion(name, version, "baseline", "TRAINED", A, 200L, 0.66, 123_338, List.of("cat", "dog"),
                100, "ab".repeat(32), null, Instant.EPOCH, List.of());
    }

    @BeforeEach
    void twoOfEverything() {
        when(jobs.get(A)).thenReturn(job(A));
        when(jobs.get(B)).thenReturn(job(B));
        when(jobs.list(null, 0, 100)).thenReturn(List.of(job(B), job(A)));
        when(jobs.list(null, 1, 1)).thenReturn(List.of(job(A)));
        when(jobs.list(null, 5, 1)).thenReturn(List.of());
        when(jobs.countByState()).thenReturn(Map.of(JobState.SUCCEEDED, 2L));
        when(jobs.latestMetrics(any())).thenReturn(Map.of(A, epoch(2, 0.66), B, epoch(2, 0.66)));
        when(jobs.metrics(A)).thenReturn(List.of(epoch(1, 0.5), epoch(2, 0.66)));
        when(jobs.metrics(B)).thenReturn(List.of(epoch(1, 0.5), epoch(2, 0.61)));
        when(checkpoints.list(A)).thenReturn(List.of(
                new Checkpoint(A, 100, 1, 0.5, 10, "cd".repeat(32), "step-000000100.zip", Instant.EPOCH, false),
                new Checkpoint(A, 200, 2, 0.66, 10, "ef".repeat(32), "step-000000200.zip", Instant.EPOCH, true)));
        ModelRegistry.Model cats = new ModelRegistry.Model("cats", 2, List.of(version("cats", 2), version("cats", 1)));
        when(models.models()).thenReturn(List.of(cats, new ModelRegistry.Model("dogs", 1, List.of(version("dogs", 1)))));
        when(models.model("cats")).thenReturn(cats);
        when(models.version("cats", 2)).thenReturn(version("cats", 2));
    }

    private JsonNode getJson(String path) throws Exception {
        String body = mvc.perform(get(path)).andReturn().getResponse().getContentAsString();
        return json.readTree(body);
    }

    private static String withQuery(String path, String query) {
        return path + (path.contains("?") ? "&" : "?") + query;
    }

    @Test
    void everyCollectionIsTheEnvelopeWithItsWholeCollectionOnTheFirstPage() throws Exception {
        for (String path : COLLECTIONS) {
            JsonNode page = getJson(path);
            assertThat(page.isObject()).as(path + " answers an object, not a bare array").isTrue();
            assertThat(page.propertyNames()).as(path).containsExactly("items", "page", "size", "total");
            assertThat(page.get("items")).as(path).hasSize(2);
            assertThat(page.get("page").asInt()).as(path).isEqualTo(0);
            assertThat(page.get("size").asInt()).as(path + ": one default size everywhere").isEqualTo(100);
            assertThat(page.get("total").asLong()).as(path).isEqualTo(2);
        }
    }

    @Test
    void theSecondPageOfOneHoldsTheSecondElementAndPastTheEndIsEmpty() throws Exception {
        for (String path : COLLECTIONS) {
            JsonNode second = getJson(withQuery(path, "page=1&size=1"));
            assertThat(second.get("items")).as(path).hasSize(1);
            assertThat(second.get("page").asInt()).as(path).isEqualTo(1);
            assertThat(second.get("size").asInt()).as(path).isEqualTo(1);
            assertThat(second.get("total").asLong()).as(path).isEqualTo(2);
            JsonNode all = getJson(path).get("items");
            assertThat(second.get("items").get(0)).as(path + ": the second element").isEqualTo(all.get(1));

            JsonNode beyond = getJson(withQuery(path, "page=5&size=1"));
            assertThat(beyond.get("items")).as(path).isEmpty();
            assertThat(beyond.get("total").asLong()).as(path).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"size=0", "size=1001", "page=-1", "page=1000001", "size=abc"})
    void everyCollectionRefusesTheSameBadPagingWithAProblemNamingTheParameter(String query) throws Exception {
        String parameter = query.substring(0, query.indexOf('='));
        for (String path : COLLECTIONS) {
            var response = mvc.perform(get(withQuery(path, query))).andReturn().getResponse();
            assertThat(response.getStatus()).as(path + "?" + query).isEqualTo(400);
            assertThat(response.getContentType()).as(path).startsWith("application/problem+json");
            JsonNode problem = json.readTree(response.getContentAsString());
            assertThat(problem.get("type").asString()).isEqualTo("urn:problem-type:cnn-lab:invalid-request");
            assertThat(problem.get("errors").get(0).get("field").asString()).as(path + "?" + query).isEqualTo(parameter);
        }
    }

    @Test
    void aCountIsParameterCountEpochsAreOnlyEverEpochsAskedForAndAModelIsALink() throws Exception {
        List<String> answers = new ArrayList<>(COLLECTIONS);
        answers.addAll(List.of("/api/v1/training-jobs/" + A, "/api/v1/models/cats",
                "/api/v1/models/cats/versions/2"));
        List<String> counts = new ArrayList<>();
        for (String path : answers) {
            JsonNode answer = getJson(path);
            List<String> clashes = new ArrayList<>();
            walk(answer, "$", counts, clashes);
            assertThat(clashes).as(path).isEmpty();
        }
        when(evaluator.evaluate(version("cats", 2), null, false)).thenReturn(new ModelEvaluator.Result("cats", 2, 10,
                new io.cnnlab.evaluation.Evaluation(0.9, 0.7, 10, io.cnnlab.evaluation.ConfusionMatrix.of(
                        List.of("a", "b"), new int[][]{{4, 1}, {2, 3}})), null, 1.5, "cifar10"));
        JsonNode evaluation = json.readTree(mvc.perform(post("/api/v1/models/cats/versions/2/evaluation"))
                .andReturn().getResponse().getContentAsString());
        List<String> clashes = new ArrayList<>();
        walk(evaluation, "$", counts, clashes);
        assertThat(clashes).as("an evaluation").isEmpty();
        assertThat(evaluation.get("modelName").asString()).isEqualTo("cats");
        assertThat(counts).as("where parameter counts appear").contains(
                "$.items[0].parameterCount", // a comparison row, a version, an architecture
                "$.items[0].trainableParameterCount", // an architecture
                "$.items[0].layers[0].parameterCount",
                "$.items[0].epochsCompleted", // a comparison row
                "$.items[0].stepsCompleted",
                "$.versions[0].parameterCount", // a model
                "$.parameterCount"); // a version
        JsonNode row = getJson("/api/v1/comparisons?jobs=" + A).get("items").get(0);
        assertThat(row.get("epochsCompleted").asInt()).isEqualTo(2);
        assertThat(row.get("parameterCount").asLong()).isEqualTo(architectures.get("baseline").cost().parameters());
        JsonNode architecture = getJson("/api/v1/architectures").get("items").get(0);
        assertThat(architecture.get("trainableParameterCount").asLong())
                .isEqualTo(architectures.get("baseline").cost().trainableParameters());
        assertThat(architecture.get("layers").get(0).get("macsPerImage").isNumber()).isTrue();
        assertThat(getJson("/api/v1/models/cats/versions/2").get("parameterCount").asLong()).isEqualTo(123_338);
    }

    /**
     * Collects the paths of count fields, and every use of a name for another meaning: {@code parameters} holding a
     * number, a count named {@code ...Parameters}, or {@code epochs} outside a recipe (epochs done are
     * {@code epochsCompleted}).
     */
    private static void walk(JsonNode node, String path, List<String> counts, List<String> clashes) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), path + "[" + i + "]", counts, clashes);
            }
            return;
        }
        if (!node.isObject()) {
            return;
        }
        for (String name : node.propertyNames()) {
            JsonNode value = node.get(name);
            String where = path + "." + name;
            if (name.endsWith("Count") || name.endsWith("Completed")) {
                counts.add(where);
            }
            if ((name.equals("parameters") || name.endsWith("Parameters")) && value.isNumber()) {
                clashes.add(where + " is a count: parameterCount");
            }
            if (name.equals("epochs") && !path.endsWith(".recipe")) {
                clashes.add(where + " outside a recipe: epochsCompleted for epochs done");
            }
            if (name.equals("model") && !value.isObject() && !value.isNull()) {
                clashes.add(where + " is a name: modelName ({name, version} is a model)");
            }
            if (name.equals("steps")) {
                clashes.add(where + ": stepsCompleted for steps done, maxSteps for a budget");
            }
            walk(value, where, counts, clashes);
        }
    }
}
