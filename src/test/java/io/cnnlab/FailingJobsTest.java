package io.cnnlab;

import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.TrainingJob;
import io.cnnlab.jobs.TrainingJobs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A job that cannot run fails with a reason a user can act on, and the worker goes on to the next one. */
@DirtiesContext
@SpringBootTest
class FailingJobsTest {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withData(registry, home, home.resolve("no-such-data"));
    }

    @Autowired
    TrainingJobs jobs;

    @Test
    void aMissingDataDirectoryFailsEachJobWithTheFixAndTheWorkerLivesOn() {
        String first = jobs.submit(TestJobs.baseline("a", 1, 2L, 10, 1e-4)).job().id();
        String second = jobs.submit(TestJobs.baseline("b", 1, 2L, 10, 1e-4)).job().id();

        await().atMost(Duration.ofSeconds(60)).until(() -> jobs.get(second).state().isFinal());
        for (String id : new String[]{first, second}) {
            TrainingJob job = jobs.get(id);
            assertThat(job.state()).isEqualTo(JobState.FAILED);
            assertThat(job.error()).contains("CIFAR-10 not found").contains("no-such-data").contains("cnn.data-dir");
            assertThat(job.finishedAt()).isNotNull();
        }
        assertThat(jobs.workersAlive()).isTrue();
    }
}
