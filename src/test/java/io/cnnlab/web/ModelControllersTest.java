package io.cnnlab.web;

import io.cnnlab.inference.Classification;
import io.cnnlab.inference.Classifier;
import io.cnnlab.inference.InferenceProperties;
import io.cnnlab.inference.ModelImporter;
import io.cnnlab.inference.OverloadedException;
import io.cnnlab.inference.Prediction;
import io.cnnlab.models.ModelConflictException;
import io.cnnlab.models.ModelNotFoundException;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import java.time.Instant;
import java.util.List;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** Request mapping, version/alias resolution and error mapping of the model and classification controllers. */
@WebMvcTest({ModelController.class, ClassificationController.class})
@EnableConfigurationProperties(InferenceProperties.class)
@Import(ProblemDetails.class)
class ModelControllersTest {

    private static final ModelVersion V2 = new ModelVersion("cats", 2, "baseline", "TRAINED", null, 390L, 0.5, 123_338,
            List.of("cat", "dog"), 100, "ab".repeat(32), null, Instant.parse("2026-11-27T10:00:00Z"), List.of());

    @Autowired
    MockMvc mvc;

    @MockitoBean
    ModelRegistry registry;

    @MockitoBean
    Classifier classifier;

    @MockitoBean
    ModelImporter importer;

    @MockitoBean
    io.cnnlab.inference.ModelEvaluator evaluator;

    @MockitoBean
    io.cnnlab.inference.ModelExporter exporter;

    private static Classification answer() {
        return new Classification("cats", 2, List.of(List.of(new Prediction("cat", 0, 0.9))));
    }

    @Test
    void theThreeRoutesResolveDefaultVersionAndAlias() throws Exception {
        when(registry.defaultVersion("cats")).thenReturn(V2);
        when(registry.version("cats", 2)).thenReturn(V2);
        when(registry.byAlias("cats", "production")).thenReturn(V2);
        when(classifier.classify(eq(V2), any(), anyInt(), anyBoolean())).thenReturn(answer());

        for (String path : new String[]{"/api/v1/models/cats/classify", "/api/v1/models/cats/versions/2/classify",
                "/api/v1/models/cats/aliases/production/classify"}) {
            mvc.perform(post(path).contentType("image/png").content(new byte[]{1, 2, 3}))
                    .andExpect(status().isOk())
                    .andExpect(jsonPath("$.predictions[0][0].label").value("cat"))
                    .andExpect(jsonPath("$.modelName").value("cats")) // a name; a job's model is {name, version}
                    .andExpect(jsonPath("$.model").doesNotExist());
        }
        verify(registry).defaultVersion("cats");
        verify(registry).version("cats", 2);
        verify(registry).byAlias("cats", "production");
    }

    @Test
    void multipartFilesAndTopKReachTheClassifier() throws Exception {
        when(registry.defaultVersion("cats")).thenReturn(V2);
        when(classifier.classify(eq(V2), any(), eq(1), eq(false))).thenReturn(answer());

        mvc.perform(multipart("/api/v1/models/cats/classify").file(new MockMultipartFile("file", new byte[]{1}))
                        .file(new MockMultipartFile("file", new byte[]{2})).param("topK", "1"))
                .andExpect(status().isOk());
        mvc.perform(multipart("/api/v1/models/cats/classify").file(new MockMultipartFile("file", new byte[]{1}))
                        .param("topK", "0"))
                .andExpect(status().isBadRequest());
    }

    @Test
    void aPathNothingAnswersIsAProblemOfTheSameTypeAsAnUnknownModel() throws Exception {
        mvc.perform(get("/api/v1/modelz"))
                .andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith("application/problem+json"))
                .andExpect(jsonPath("$.type").value("urn:problem-type:cnn-lab:not-found"))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("/api/v1/modelz")));
    }

    @Test
    void errorsMapToTheirStatuses() throws Exception {
        when(registry.defaultVersion("ghost")).thenThrow(new ModelNotFoundException("no model named 'ghost'"));
        mvc.perform(post("/api/v1/models/ghost/classify").contentType("image/png").content(new byte[]{1}))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.type").value("urn:problem-type:cnn-lab:not-found"));

        when(registry.defaultVersion("cats")).thenReturn(V2);
        when(classifier.classify(eq(V2), any(), anyInt(), anyBoolean())).thenThrow(new OverloadedException("busy"));
        mvc.perform(post("/api/v1/models/cats/classify").contentType("image/png").content(new byte[]{1}))
                .andExpect(status().isServiceUnavailable())
                .andExpect(header().string("Retry-After", "1"));

        mvc.perform(post("/api/v1/models/cats/classify").contentType(MediaType.TEXT_PLAIN).content("hi"))
                .andExpect(status().isUnsupportedMediaType());

        doThrow(new ModelConflictException("aliased")).when(registry).delete("cats", 2);
        mvc.perform(delete("/api/v1/models/cats/versions/2")).andExpect(status().isConflict());
    }

    @Test
    void anEvaluationAsksForFlipAveragingOnlyWhenTold() throws Exception {
        when(registry.version("cats", 2)).thenReturn(V2);
        var plain = new io.cnnlab.evaluation.Evaluation(0.9, 0.71, 10_000);
        when(evaluator.evaluate(V2, null, true)).thenReturn(new io.cnnlab.inference.ModelEvaluator.Result("cats", 2, 10_000,
                plain, new io.cnnlab.evaluation.Evaluation(0.85, 0.73, 10_000), 4.2));
        when(evaluator.evaluate(V2, null, false)).thenReturn(new io.cnnlab.inference.ModelEvaluator.Result("cats", 2, 10_000,
                plain, null, 2.1));

        mvc.perform(post("/api/v1/models/cats/versions/2/evaluation?flip=true"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.modelName").value("cats"))
                .andExpect(jsonPath("$.plain.accuracy").value(0.71))
                .andExpect(jsonPath("$.flipAveraged.accuracy").value(0.73));
        mvc.perform(post("/api/v1/models/cats/versions/2/evaluation"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.flipAveraged").isEmpty());
        when(evaluator.evaluate(V2, "shapes", false)).thenReturn(new io.cnnlab.inference.ModelEvaluator.Result("cats", 2,
                13, new io.cnnlab.evaluation.Evaluation(0.5, 8.0 / 13, 13, io.cnnlab.evaluation.ConfusionMatrix.of(
                List.of("a", "b"), new int[][]{{5, 1}, {4, 3}})), null, 1.0, "shapes"));
        mvc.perform(post("/api/v1/models/cats/versions/2/evaluation?dataset=shapes"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.dataset").value("shapes"))
                .andExpect(jsonPath("$.plain.labels[1]").value("b"))
                .andExpect(jsonPath("$.plain.confusionMatrix[1][0]").value(4))
                .andExpect(jsonPath("$.plain.perClass[0].precision").value(5.0 / 9))
                .andExpect(jsonPath("$.plain.perClass[1].support").value(7));

        when(registry.version("dogs", 1)).thenReturn(V2);
        when(evaluator.evaluate(V2, null, false)).thenThrow(new io.cnnlab.datasets.DatasetUnavailableException("no CIFAR-10 at /data"));
        mvc.perform(post("/api/v1/models/dogs/versions/1/evaluation"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.detail").value("no CIFAR-10 at /data"));
    }

    @Test
    void misclassifiedIsOnePageOfAtMostLimitMistakesWithTheirTotal() throws Exception {
        when(registry.version("cats", 2)).thenReturn(V2);
        var mistake = new io.cnnlab.inference.ModelEvaluator.Mistake(7, "cat", "dog", 0.93, "data:image/png;base64,AAAA");
        when(evaluator.misclassified(V2, null, 20)).thenReturn(new io.cnnlab.inference.ModelEvaluator.Mistakes(List.of(mistake), 412));
        when(evaluator.misclassified(V2, "pets", 1)).thenReturn(new io.cnnlab.inference.ModelEvaluator.Mistakes(List.of(mistake), 9));

        mvc.perform(get("/api/v1/models/cats/versions/2/misclassified"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.items[0].index").value(7))
                .andExpect(jsonPath("$.items[0].trueLabel").value("cat"))
                .andExpect(jsonPath("$.items[0].predictedLabel").value("dog"))
                .andExpect(jsonPath("$.items[0].confidence").value(0.93))
                .andExpect(jsonPath("$.items[0].thumbnail").value("data:image/png;base64,AAAA"))
                .andExpect(jsonPath("$.page").value(0))
                .andExpect(jsonPath("$.size").value(20))
                .andExpect(jsonPath("$.total").value(412));
        mvc.perform(get("/api/v1/models/cats/versions/2/misclassified?limit=1&dataset=pets"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.size").value(1))
                .andExpect(jsonPath("$.total").value(9));
        for (String limit : List.of("0", "101", "-1")) {
            mvc.perform(get("/api/v1/models/cats/versions/2/misclassified?limit=" + limit))
                    .andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.errors[0].field").value("limit"));
        }
        when(evaluator.misclassified(V2, null, 5)).thenThrow(new io.cnnlab.inference.OverloadedException("another evaluation is running"));
        mvc.perform(get("/api/v1/models/cats/versions/2/misclassified?limit=5"))
                .andExpect(status().isServiceUnavailable())
                .andExpect(header().exists("Retry-After"));
    }

    @Test
    void anAliasIsSetOnlyAfterItsVersionIsWarm() throws Exception {
        when(registry.version("cats", 2)).thenReturn(V2);
        when(registry.setAlias("cats", "production", 2)).thenReturn(V2);

        mvc.perform(put("/api/v1/models/cats/aliases/production").contentType(MediaType.APPLICATION_JSON).content("{\"version\":2}"))
                .andExpect(status().isOk());
        var order = org.mockito.Mockito.inOrder(classifier, registry);
        order.verify(classifier).warm(V2);
        order.verify(registry).setAlias("cats", "production", 2);

        mvc.perform(put("/api/v1/models/cats/aliases/production").contentType(MediaType.APPLICATION_JSON).content("{}"))
                .andExpect(status().isBadRequest());
    }

    @Test
    void importsRefuseABadArchitectureNameBeforeReadingTheFile() throws Exception {
        mvc.perform(multipart("/api/v1/models/cats/versions").file(new MockMultipartFile("file", new byte[]{1}))
                        .param("architecture", "../etc"))
                .andExpect(status().isBadRequest());
        verify(importer, never()).importZip(any(), any(), any(), any());
    }
}
