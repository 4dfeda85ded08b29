package io.cnnlab.web;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.checkpoints.CheckpointStore;
import io.cnnlab.jobs.JobParameters;
import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.JobStateConflictException;
import io.cnnlab.jobs.JobStore;
import io.cnnlab.jobs.NewJob;
import io.cnnlab.jobs.QueueFullException;
import io.cnnlab.jobs.TrainingJob;
import io.cnnlab.jobs.TrainingJobs;
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
@Import({TrainingJobControllerTest.Registry.class, JobEventStreams.class})
class TrainingJobControllerTest {

    static class Registry {
        @org.springframework.context.annotation.Bean
        Architectures architectures() {
            return Architectures.seed();
        }
    }

    @Autowired
    MockMvc mvc;

    @MockitoBean
    TrainingJobs jobs;

    @MockitoBean
    CheckpointStore checkpoints;

    private static TrainingJob queued(NewJob job) {
        return new TrainingJob("6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11", job.architecture(), job.modelName(), JobState.QUEUED,
                job.parameters(), Instant.parse("2026-11-27T10:00:00Z"), null, null, 0, 0, null, null, null, null, null, 0);
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
        JobParameters p = job.parameters();
        assertThat(job.modelName()).isEqualTo("batchnorm");
        assertThat(job.idempotencyKey()).isEqualTo("abc-1");
        assertThat(p.batchSize()).isEqualTo(128);
        assertThat(p.epochs()).isEqualTo(10);
        assertThat(p.learningRate()).isEqualTo(0.04); // the seed's batch-norm schedule
        assertThat(p.learningRateDecay()).isEqualTo(0.9);
        assertThat(p.learningRateDecaySteps()).isEqualTo(1000);
        assertThat(p.maxBrightnessDelta()).isEqualTo(63);
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
    void aBadIdempotencyKeyOrAMalformedIdIsRefused() throws Exception {
        mvc.perform(post("/api/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                        .header("Idempotency-Key", "has spaces in it").content("{\"architecture\":\"baseline\"}"))
                .andExpect(status().isBadRequest());
        mvc.perform(post("/api/v1/training-jobs/not-an-id/cancel")).andExpect(status().isNotFound());
        verify(jobs, never()).submit(any());
    }
}
