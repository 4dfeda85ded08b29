package io.cnnlab.web;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.checkpoints.CheckpointStore;
import io.cnnlab.architectures.LearningRate;
import io.cnnlab.architectures.Recipe;
import io.cnnlab.datasets.Augmentation;
import io.cnnlab.jobs.IdempotencyKeyReusedException;
import io.cnnlab.jobs.EpochRecord;
import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.JobStateConflictException;
import io.cnnlab.jobs.JobStore;
import io.cnnlab.jobs.NewJob;
import io.cnnlab.jobs.QueueFullException;
import io.cnnlab.jobs.TrainingJob;
import io.cnnlab.jobs.TrainingJobs;
import io.cnnlab.training.TrainingPlan;
import io.cnnlab.training.TrainingPlans;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** The controller's request mapping, defaults, validation and problem details, with the job service stubbed. */
@WebMvcTest(TrainingJobController.class)
@Import({TrainingJobControllerTest.Registry.class, JobEventStreams.class, JobViews.class, StrictJson.class})
class TrainingJobControllerTest {

    static class Registry {
        @org.springframework.context.annotation.Bean
        Architectures architectures() {
            return Architectures.seed();
        }
    }

    @Autowired
    MockMvc mvc;

    @org.junit.jupiter.api.AfterEach
    void forgetTheCaller() {
        org.springframework.security.core.context.SecurityContextHolder.clearContext();
    }

    @MockitoBean
    io.cnnlab.datasets.Datasets datasets;

    @MockitoBean
    TrainingJobs jobs;

    @MockitoBean
    CheckpointStore checkpoints;

    @MockitoBean
    io.cnnlab.models.ModelRegistry models;

    @MockitoBean
    io.cnnlab.retention.Retention retention;

    @MockitoBean
    io.cnnlab.training.RunContinuations continuations;

    private static TrainingJob queued(NewJob job) {
        return new TrainingJob("6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11", job.architecture(), job.modelName(), JobState.QUEUED,
                job.plan(), Instant.parse("2026-11-27T10:00:00Z"), null, null, 0, 0, null, null, null, null, null, 0, null, false);
    }

    @Test
    void aSubmitGetsTheSeedsDefaultsFor202AndALocation() throws Exception {
        ArgumentCaptor<NewJob> submitted = ArgumentCaptor.forClass(NewJob.class);
        when(jobs.submit(submitted.capture())).thenAnswer(call -> new JobStore.Submitted(queued(call.getArgument(0)), true));

        mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                        .header("Idempotency-Key", "abc-1").content("{\"architecture\":\"batchnorm\"}"))
                .andExpect(status().isAccepted())
                .andExpect(header().string("Location", "/api/v1/training-jobs/6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11"))
                .andExpect(jsonPath("$.state").value("QUEUED"))
                .andExpect(jsonPath("$.progress").value(0.0));

        NewJob job = submitted.getValue();
        assertThat(job.modelName()).isEqualTo("batchnorm");
        assertThat(job.idempotencyKey()).isEqualTo("abc-1");
        assertThat(TrainingPlans.fromJson("batchnorm", job.plan())).isEqualTo(new TrainingPlan("batchnorm", null,
                new Recipe(10, 128, new LearningRate(0.04, 0.9, 1000), 42, new Augmentation(true, true, 63, 0.2, 1.8),
                        0.1, 0.1, 10)));
    }

    @Test
    void aJobsEvaluationIsItsLastEpochsStoredMatrixAndA404BeforeOneOrForAnEpochStoredWithoutOne() throws Exception {
        String id = "6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11";
        String stored = io.cnnlab.evaluation.ConfusionMatrix.of(java.util.List.of("a", "b"), new int[][]{{3, 1}, {0, 4}}).toJson();
        when(jobs.lastEpoch(id)).thenReturn(java.util.Optional.of(
                new EpochRecord(2, 40, 1.0, 0.5, 0.9, 0.875, 100, 3, 0.01, 1e-3, stored)));

        mvc.perform(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get("/api/v1/training-jobs/" + id + "/evaluation"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.epoch").value(2))
                .andExpect(jsonPath("$.step").value(40))
                .andExpect(jsonPath("$.labels[0]").value("a"))
                .andExpect(jsonPath("$.confusionMatrix[0][1]").value(1))
                .andExpect(jsonPath("$.confusionMatrix[1][1]").value(4))
                .andExpect(jsonPath("$.perClass[1].precision").value(0.8))
                .andExpect(jsonPath("$.perClass[1].support").value(4))
                .andExpect(jsonPath("$.accuracy").value(0.875))
                .andExpect(jsonPath("$.images").value(8));

        // stored before V10: the row has no matrix, and the answer says so rather than inventing one
        when(jobs.lastEpoch(id)).thenReturn(java.util.Optional.of(new EpochRecord(3, 60, 1.0, 0.5, 0.9, 0.9, 100, 3, 0.01, 1e-3)));
        mvc.perform(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get("/api/v1/training-jobs/" + id + "/evaluation"))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.type").value("urn:problem-type:cnn-lab:not-found"))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("epoch 3")))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("before per-class evaluation was kept")));

        when(jobs.lastEpoch(id)).thenReturn(java.util.Optional.empty());
        mvc.perform(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get("/api/v1/training-jobs/" + id + "/evaluation"))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("has not finished an epoch")));
    }

    /** Every field of the plan set to something other than its default, and every one arrives. */
    static final String EVERY_FIELD = """
            {"architecture":"baseline","modelName":"every-field","epochs":7,"maxSteps":4,"batchSize":20,
             "learningRate":0.01,"learningRateDecay":0.5,"learningRateDecaySteps":2,"seed":7,"randomCrop":false,
             "flip":false,"maxBrightnessDelta":10,"minContrast":0.5,"maxContrast":1.5,"weightStddev":0.05,
             "biasInit":0.2,"trainAccuracyEvery":3}""";

    static final TrainingPlan EVERY_FIELD_PLAN = new TrainingPlan("baseline", 4L, new Recipe(7, 20,
            new LearningRate(0.01, 0.5, 2), 7, new Augmentation(false, false, 10, 0.5, 1.5), 0.05, 0.2, 3));

    @Test
    void everyFieldOfTheRequestReachesThePlanAndTheView() throws Exception {
        when(jobs.submit(any())).thenAnswer(call -> new JobStore.Submitted(queued(call.getArgument(0)), true));

        mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON).content(EVERY_FIELD))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.plan.maxSteps").value(4))
                .andExpect(jsonPath("$.plan.recipe.epochs").value(7))
                .andExpect(jsonPath("$.plan.recipe.learningRate.decaySteps").value(2))
                .andExpect(jsonPath("$.plan.recipe.augmentation.maxContrast").value(1.5))
                .andExpect(jsonPath("$.plan.recipe.trainAccuracyEvery").value(3));

        ArgumentCaptor<NewJob> submitted = ArgumentCaptor.forClass(NewJob.class);
        verify(jobs).submit(submitted.capture());
        assertThat(TrainingPlans.fromJson("baseline", submitted.getValue().plan())).isEqualTo(EVERY_FIELD_PLAN);
        assertThat(submitted.getValue().modelName()).isEqualTo("every-field");
    }

    /** initFrom without a version is the model's default version, stored as that concrete version. */
    @Test
    void aFineTuningIsStoredWithItsDataSetAndTheResolvedVersion() throws Exception {
        when(jobs.submit(any())).thenAnswer(call -> new JobStore.Submitted(queued(call.getArgument(0)), true));
        when(models.defaultVersion("cifar")).thenReturn(new io.cnnlab.models.ModelVersion("cifar", 4, "baseline",
                "TRAINED", null, 1L, 0.5, 123_338, java.util.List.of("a", "b"), 1, "0".repeat(64), null, Instant.EPOCH,
                java.util.List.of()));

        mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON).content(
                        "{\"architecture\":\"baseline\",\"dataset\":\"shapes\",\"initFrom\":{\"model\":\"cifar\"},\"freeze\":true}"))
                .andExpect(status().isAccepted());

        ArgumentCaptor<NewJob> submitted = ArgumentCaptor.forClass(NewJob.class);
        verify(jobs).submit(submitted.capture());
        NewJob job = submitted.getValue();
        assertThat(job.dataset()).isEqualTo("shapes");
        assertThat(job.initFromModel()).isEqualTo("cifar");
        assertThat(job.initFromVersion()).isEqualTo(4);
        assertThat(job.freeze()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "\"initFrom\":{\"model\":\"m\",\"version\":0} | initFrom.version | must be greater than or equal to 1",
            "\"initFrom\":{\"version\":1}            | initFrom.model     | must not be blank",
            "\"initFrom\":{\"model\":\"m\",\"x\":1}     | initFrom.x         | unknown field",
            "\"dataset\":\"../etc\"                   | dataset            | a data set id",
            "\"foo\":1                | foo                | unknown field",
            "\"max_steps\":5          | max_steps          | unknown field",
            "\"epochs\":2.5           | epochs             | whole number",
            "\"epochs\":\"two\"       | epochs             | whole number",
            "\"maxSteps\":\"5\"       | maxSteps           | whole number",
            "\"epochs\":1e3000        | epochs             | whole number",
            "\"seed\":1e3000          | seed               | whole number",
            "\"flip\":1               | flip               | true or false",
            "\"flip\":\"yes\"         | flip               | true or false",
            "\"learningRate\":\"0.1\" | learningRate       | number",
            "\"modelName\":5          | modelName          | string",
            "\"learningRate\":1e3000  | learningRate       | less than or equal to 10"})
    void aWrongFieldIsA400NamingItAndWhy(String field, String name, String why) throws Exception {
        mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"architecture\":\"baseline\"," + field + "}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:problem-type:cnn-lab:invalid-request"))
                .andExpect(jsonPath("$.errors.length()").value(1))
                .andExpect(jsonPath("$.errors[0].field").value(name))
                .andExpect(jsonPath("$.errors[0].message").value(org.hamcrest.Matchers.containsString(why)))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.startsWith(name + ": ")));
        verify(jobs, never()).submit(any());
    }

    @Test
    void anUnknownFieldsProblemListsTheKnownOnes() throws Exception {
        mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"architecture\":\"baseline\",\"max_steps\":5}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].message").value(org.hamcrest.Matchers.containsString("maxSteps")))
                .andExpect(jsonPath("$.errors[0].message").value(org.hamcrest.Matchers.containsString("trainAccuracyEvery")));
    }

    @Test
    void malformedJsonIsA400WithItsPosition() throws Exception {
        mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"architecture\":\"baseline\",\n \"epochs\": }"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("line 2, column")));
        verify(jobs, never()).submit(any());
    }

    @Test
    void fieldsThatDoNotFitTogetherAreA400NotA500() throws Exception {
        mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"architecture\":\"baseline\",\"minContrast\":2,\"maxContrast\":1}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("contrast range")));
        verify(jobs, never()).submit(any());
    }

    @Test
    void theIdempotencyDigestIsOfTheEffectiveRequestAndTheCallerIsTheCurrentPrincipal() throws Exception {
        ArgumentCaptor<NewJob> submitted = ArgumentCaptor.forClass(NewJob.class);
        when(jobs.submit(submitted.capture())).thenAnswer(call -> new JobStore.Submitted(queued(call.getArgument(0)), true));
        org.springframework.security.core.context.SecurityContextHolder.getContext().setAuthentication(
                new org.springframework.security.authentication.TestingAuthenticationToken("trainer-7", null));
        for (String body : new String[]{"{\"architecture\":\"baseline\"}", "{\"architecture\":\"baseline\",\"epochs\":10}",
                "{\"architecture\":\"baseline\",\"epochs\":11}", "{\"architecture\":\"baseline\",\"modelName\":\"other\"}"}) {
            mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON).header("Idempotency-Key", "k")
                    .content(body)).andExpect(status().isAccepted());
        }

        var digests = submitted.getAllValues().stream().map(NewJob::requestSha256).toList();
        assertThat(digests.get(0)).hasSize(64).isEqualTo(digests.get(1)); // spelling out a default asks for the same
        assertThat(digests.get(2)).isNotEqualTo(digests.get(0));
        assertThat(digests.get(3)).isNotEqualTo(digests.get(0)).isNotEqualTo(digests.get(2));
        assertThat(submitted.getAllValues()).extracting(NewJob::caller).containsOnly("trainer-7");
    }

    @Test
    void aKeyReusedWithAnotherBodyIsA422Problem() throws Exception {
        when(jobs.submit(any())).thenThrow(new IdempotencyKeyReusedException("k", "6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11"));

        mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON).header("Idempotency-Key", "k")
                        .content("{\"architecture\":\"baseline\"}"))
                .andExpect(status().isUnprocessableContent())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:problem-type:cnn-lab:idempotency-key-reused"))
                .andExpect(jsonPath("$.jobId").value("6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11"))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("different request body")));
    }

    @Test
    void outOfRangeFieldsAreListedInAProblemAndNothingIsSubmitted() throws Exception {
        mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"architecture\":\"baseline\",\"batchSize\":100000,\"learningRate\":-1,\"modelName\":\"../x\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors.length()").value(3))
                .andExpect(jsonPath("$.type").value("urn:problem-type:cnn-lab:invalid-request"));
        verify(jobs, never()).submit(any());
    }

    @Test
    void aFullQueueIs429WithRetryAfter() throws Exception {
        when(jobs.submit(any())).thenThrow(new QueueFullException(100, Duration.ofSeconds(30)));

        mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON).content("{\"architecture\":\"baseline\"}"))
                .andExpect(status().isTooManyRequests())
                .andExpect(header().string("Retry-After", "30"))
                .andExpect(jsonPath("$.detail").value("the training queue is full (100 jobs waiting); retry later"));
    }

    @Test
    void cancellingAFinishedJobIs409() throws Exception {
        when(jobs.cancel("6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11")).thenThrow(new JobStateConflictException("job is already SUCCEEDED"));

        mvc.perform(post("/api/v1/training-jobs/6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11/cancel"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.title").value("Not possible in the job's state"));
    }

    @Test
    void anUnexpectedIllegalArgumentIsA500ThatDoesNotEchoItsText() throws Exception {
        when(jobs.cancel("6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11"))
                .thenThrow(new IllegalArgumentException("Op [conv2d] failed: internal buffer 0x7f3a"));

        mvc.perform(post("/api/v1/training-jobs/6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11/cancel"))
                .andExpect(status().isInternalServerError())
                .andExpect(jsonPath("$.type").value("urn:problem-type:cnn-lab:internal-error"))
                .andExpect(content().string(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("0x7f3a"))));
    }

    @Test
    void aModelNameTakenInAnotherCaseIsAModelConflictWithItsOwnTitle() throws Exception {
        org.mockito.Mockito.doThrow(new io.cnnlab.models.ModelConflictException("model name 'Cats' differs from 'cats' only in case"))
                .when(models).checkNameAvailable("Cats");

        mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"architecture\":\"baseline\",\"modelName\":\"Cats\"}"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.type").value("urn:problem-type:cnn-lab:model-conflict"))
                .andExpect(jsonPath("$.title").value("Conflicts with the model's state"));
        verify(jobs, never()).submit(any());
    }

    @Test
    void aBadIdempotencyKeyOrAMalformedIdIsRefused() throws Exception {
        mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                        .header("Idempotency-Key", "has spaces in it").content("{\"architecture\":\"baseline\"}"))
                .andExpect(status().isBadRequest());
        mvc.perform(post("/api/v1/training-jobs/not-an-id/cancel")).andExpect(status().isNotFound());
        verify(jobs, never()).submit(any());
    }

    @Test
    void earlyStoppingReachesThePlanWithMinDeltaZeroByDefaultAndBadValuesAre400sNamingTheField() throws Exception {
        ArgumentCaptor<NewJob> submitted = ArgumentCaptor.forClass(NewJob.class);
        when(jobs.submit(submitted.capture())).thenAnswer(call -> new JobStore.Submitted(queued(call.getArgument(0)), true));

        mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"architecture\":\"baseline\",\"earlyStopping\":{\"patience\":3}}"))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.earlyStopping.patience").value(3))
                .andExpect(jsonPath("$.earlyStopping.minDelta").value(0.0))
                .andExpect(jsonPath("$.plan.earlyStopping.patience").value(3))
                .andExpect(jsonPath("$.parentJob").doesNotExist())
                .andExpect(jsonPath("$.stopReason").doesNotExist());
        assertThat(TrainingPlans.fromJson("baseline", submitted.getValue().plan()).earlyStopping())
                .isEqualTo(new io.cnnlab.training.EarlyStopping(3, 0));

        for (String[] c : new String[][]{{"{\"minDelta\":0.1}", "earlyStopping.patience"},
                {"{\"patience\":0}", "earlyStopping.patience"}, {"{\"patience\":1001}", "earlyStopping.patience"},
                {"{\"patience\":2,\"minDelta\":1.5}", "earlyStopping.minDelta"},
                {"{\"patience\":2,\"minDelta\":-0.1}", "earlyStopping.minDelta"},
                {"{\"patience\":2,\"delta\":0.1}", "delta"}}) {
            mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                            .content("{\"architecture\":\"baseline\",\"earlyStopping\":" + c[0] + "}"))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.errors[0].field").value(org.hamcrest.Matchers.endsWith(c[1])));
        }
        verify(jobs, org.mockito.Mockito.times(1)).submit(any());
    }

    @Test
    void aContinueTakesOneToAThousandEpochsAndAnswers202WithTheNewJobsLocation() throws Exception {
        String parent = "6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11";
        NewJob child = new NewJob("baseline", "baseline", TrainingPlans.toJson(EVERY_FIELD_PLAN), "anonymous", "c-1", "x", parent,
                NewJob.DEFAULT_DATASET, null, null, false);
        TrainingJob queuedChild = new TrainingJob("7a2d3c2f-3e8b-4d2f-8b6a-1e4f6c1f9b22", "baseline", "baseline",
                JobState.QUEUED, child.plan(), Instant.parse("2026-11-27T10:00:00Z"), null, null, 0, 0, null, null, null,
                null, null, 0, null, false, null, parent, NewJob.DEFAULT_DATASET, null, null, false);
        when(continuations.continueJob(parent, 5, "anonymous", "c-1")).thenReturn(new JobStore.Submitted(queuedChild, true));

        mvc.perform(post("/api/v1/training-jobs/" + parent + "/continue").contentType(MediaType.APPLICATION_JSON)
                        .header("Idempotency-Key", "c-1").content("{\"epochs\":5}"))
                .andExpect(status().isAccepted())
                .andExpect(header().string("Location", "/api/v1/training-jobs/7a2d3c2f-3e8b-4d2f-8b6a-1e4f6c1f9b22"))
                .andExpect(jsonPath("$.parentJob").value(parent));

        for (String body : new String[]{"{}", "{\"epochs\":0}", "{\"epochs\":1001}", "{\"epochs\":2.5}",
                "{\"epochs\":\"5\"}", "{\"epochs\":5,\"seed\":1}"}) {
            mvc.perform(post("/api/v1/training-jobs/" + parent + "/continue").contentType(MediaType.APPLICATION_JSON)
                            .content(body))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        }
        mvc.perform(post("/api/v1/training-jobs/not-an-id/continue").contentType(MediaType.APPLICATION_JSON)
                .content("{\"epochs\":5}")).andExpect(status().isNotFound());
        verify(continuations, org.mockito.Mockito.times(1)).continueJob(any(), org.mockito.ArgumentMatchers.anyInt(), any(), any());
    }
}
