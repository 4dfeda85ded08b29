package io.cnnlab.benchmark;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class ResultsReportTest {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void runsAreNamedByArchitectureUnlessTwoShareOne() {
        JsonNode rows = json.readTree("""
                [{"architecture": "baseline", "modelName": "baseline"},
                 {"architecture": "batchnorm", "modelName": "bn-first-try"},
                 {"architecture": "baseline", "modelName": "baseline-lr-0.01"}]""");

        assertThat(ResultsReport.label(rows.get(0), rows)).isEqualTo("baseline");
        assertThat(ResultsReport.label(rows.get(1), rows)).isEqualTo("batchnorm");
        assertThat(ResultsReport.label(rows.get(2), rows)).isEqualTo("baseline-lr-0.01");
    }
}
