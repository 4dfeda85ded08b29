package io.cnnlab.web;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Cells a spreadsheet would run as formulas are neutralised; numbers stay numbers. */
class CsvTableTest {

    private static String row(Object... cells) {
        String csv = new CsvTable(List.of("c"), List.of(List.of(cells))).render();
        return csv.substring(csv.indexOf("\r\n") + 2, csv.length() - 2);
    }

    @Test
    void aLeadingFormulaCharacterTabOrCarriageReturnIsPrefixedWithAQuote() {
        assertThat(row("=1+1")).isEqualTo("'=1+1");
        assertThat(row("+1")).isEqualTo("'+1");
        assertThat(row("-1")).isEqualTo("'-1");
        assertThat(row("@SUM(A1)")).isEqualTo("'@SUM(A1)");
        assertThat(row("\t=cmd|' /C calc'!A0")).isEqualTo("'\t=cmd|' /C calc'!A0");
        assertThat(row("\r=1+1")).isEqualTo("\"'\r=1+1\""); // quoted as well: it holds a line break
    }

    @Test
    void ordinaryTextAndNumbersAreUntouched() {
        assertThat(row("cats-v2", -0.5, 3)).isEqualTo("cats-v2,-0.5,3");
        assertThat(row("a,b")).isEqualTo("\"a,b\"");
    }

    @Test
    void aMetricsTableHasTheColumnsTheJsonRowsHaveWithoutTheConfusionMatrix() {
        var epoch = new io.cnnlab.jobs.EpochRecord(1, 10, 1.5, 0.5, 1.4, 0.25, 1200, 40, 0.01, 1e-4,
                "{\"labels\":[\"a\"],\"cells\":[[0,0,4]]}");

        String csv = CsvTable.ofRecords(io.cnnlab.jobs.EpochRecord.class, List.of(epoch)).render();

        assertThat(csv).isEqualTo("epoch,step,trainLoss,trainAccuracy,testLoss,testAccuracy,imagesPerSecond,seconds,"
                + "dataWaitShare,learningRate\r\n1,10,1.5,0.5,1.4,0.25,1200.0,40.0,0.01,1.0E-4\r\n");
    }
}
