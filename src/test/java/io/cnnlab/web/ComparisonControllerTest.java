package io.cnnlab.web;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.checkpoints.CheckpointStore;
import io.cnnlab.comparisons.Comparisons;
import io.cnnlab.jobs.EpochRecord;
import io.cnnlab.jobs.JobNotFoundException;
import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.TrainingJob;
import io.cnnlab.jobs.TrainingJobs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** Comparison rows and the CSV exports, over the real {@link Comparisons} arithmetic with the job service stubbed. */
@WebMvcTest({ComparisonController.class, TrainingJobController.class})
@Import({ComparisonControllerTest.Beans.class, Comparisons.class, JobEventStreams.class, JobViews.class})
class ComparisonControllerTest {

    static final String A = "6f1c2b1e-2d7a-4c1e-9a59-0d3f5b0e8a11";
    static final String B = "0b7e4f4c-8a55-4b0e-a1f3-3c9d2e7f6a10";

    static class Beans {
        @Bean
        Architectures architectures() {
            return Architectures.seed();
        }
    }

    @Autowired
    MockMvc mvc;

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

    private static TrainingJob job(String id, String architecture) {
        return new TrainingJob(id, architecture, "my,model", JobState.SUCCEEDED, null, Instant.EPOCH, Instant.EPOCH,
                Instant.EPOCH, 2, 200, 200L, 1000.0, null, 0.66, null, 1, "instance-a", false);
    }

    private static EpochRecord epoch(int n, double testAccuracy, double seconds) {
        return new EpochRecord(n, n * 100L, 1.5, 0.5, 1.4, testAccuracy, 1200, seconds, 0.01, 1e-4);
    }

    @BeforeEach
    void twoRuns() {
        when(jobs.get(A)).thenReturn(job(A, "baseline"));
        when(jobs.get(B)).thenReturn(job(B, "factorized"));
        when(jobs.metrics(A)).thenReturn(List.of(epoch(1, 0.5, 40), epoch(2, 0.66, 41)));
        when(jobs.metrics(B)).thenReturn(List.of(epoch(1, 0.61, 30)));
        when(jobs.get("aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa")).thenThrow(new JobNotFoundException("aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"));
    }

    @Test
    void rowsInTheOrderAskedWithCostTimesAndCurves() throws Exception {
        mvc.perform(get("/api/v1/comparisons").param("jobs", B + "," + A))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.total").value(2))
                .andExpect(jsonPath("$.items[0].architecture").value("factorized"))
                .andExpect(jsonPath("$.items[0].secondsToAccuracy['0.6']").value(30.0))
                .andExpect(jsonPath("$.items[1].architecture").value("baseline"))
                .andExpect(jsonPath("$.items[1].secondsToAccuracy['0.6']").value(81.0))
                .andExpect(jsonPath("$.items[1].accuracyAtEpoch['1']").value(0.5))
                .andExpect(jsonPath("$.items[1].parameterCount").value(Architectures.seed().get("baseline").cost().parameters()))
                .andExpect(jsonPath("$.items[1].epochsCompleted").value(2))
                .andExpect(jsonPath("$.items[1].stepsCompleted").value(200))
                .andExpect(jsonPath("$.items[1].macsPerImage").value(Architectures.seed().get("baseline").cost().macs()))
                .andExpect(jsonPath("$.items[1].curve.length()").value(2));
    }

    @Test
    void csvHasOneColumnPerRequestedEpochAndThresholdAndQuotesNames() throws Exception {
        String csv = mvc.perform(get("/api/v1/comparisons").param("jobs", A).param("epochs", "2")
                        .param("thresholds", "0.65,0.9").accept("text/csv"))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith("text/csv"))
                .andReturn().getResponse().getContentAsString();

        String[] lines = csv.split("\r\n");
        assertThat(lines[0]).startsWith("jobId,architecture,modelName,state,parameterCount,macsPerImage,"
                + "epochsCompleted,stepsCompleted,").endsWith(",testAccuracyEpoch2,secondsTo0.65,secondsTo0.9");
        assertThat(lines[1]).startsWith(A + ",baseline,\"my,model\",SUCCEEDED,").endsWith(",0.66,81.0,");
    }

    @Test
    void unknownJobsAre404AndBadParametersAre400() throws Exception {
        mvc.perform(get("/api/v1/comparisons").param("jobs", A + ",aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"))
                .andExpect(status().isNotFound());
        mvc.perform(get("/api/v1/comparisons").param("jobs", "../../etc")).andExpect(status().isNotFound());
        mvc.perform(get("/api/v1/comparisons").param("jobs", A).param("thresholds", "1.5"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value("thresholds: at most 20 values, each in (0, 1]"));
        mvc.perform(get("/api/v1/comparisons").param("jobs", A).param("epochs", "x"))
                .andExpect(status().isBadRequest());
        mvc.perform(get("/api/v1/comparisons")).andExpect(status().isBadRequest());
    }

    @Test
    void aJobsHistoryExportsAsCsvAndStaysJsonByDefault() throws Exception {
        mvc.perform(get("/api/v1/training-jobs/" + A + "/metrics"))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith("application/json"))
                .andExpect(jsonPath("$.items[1].testAccuracy").value(0.66));
        String csv = mvc.perform(get("/api/v1/training-jobs/" + A + "/metrics").accept("text/csv"))
                .andExpect(status().isOk())
                .andExpect(header().string("Content-Disposition", "attachment; filename=\"" + A + "-metrics.csv\""))
                .andReturn().getResponse().getContentAsString();
        assertThat(csv.split("\r\n")).containsExactly(
                "epoch,step,trainLoss,trainAccuracy,testLoss,testAccuracy,imagesPerSecond,seconds,dataWaitShare,learningRate",
                "1,100,1.5,0.5,1.4,0.5,1200.0,40.0,0.01,1.0E-4",
                "2,200,1.5,0.5,1.4,0.66,1200.0,41.0,0.01,1.0E-4");
    }
}
