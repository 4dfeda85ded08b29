package io.cnnlab.networks;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.training.Networks;
import io.cnnlab.training.TrainingPlan;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.TimeZone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelExportTest {

    private static final ComputationGraph NET = network();
    private static final byte[] STORED = ModelZips.write(NET);
    private static final ModelMetadata METADATA = new ModelMetadata("cats", 3, "baseline",
            List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"), InputDescription.SEED,
            JsonNodeFactory.instance.objectNode().put("crop", "centre"),
            new ModelMetadata.Lineage("TRAINED", "job-1", 390L, 0.5, "shapes", new ModelMetadata.InitFrom("dogs", 2)));

    @Test
    void theSameStoredFileAndMetadataAreTheSameBytesInEveryTimeZoneAndTheirSha256IsMeasuredAhead() throws Exception {
        TimeZone zone = TimeZone.getDefault();
        byte[] here;
        byte[] there;
        ModelExport measuredThere;
        try {
            TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
            here = written(ModelExport.measure(() -> new ByteArrayInputStream(STORED), METADATA.toJson()));
            TimeZone.setDefault(TimeZone.getTimeZone("Pacific/Chatham"));
            measuredThere = ModelExport.measure(() -> new ByteArrayInputStream(STORED), METADATA.toJson());
            there = written(measuredThere);
        } finally {
            TimeZone.setDefault(zone);
        }
        assertThat(there).isEqualTo(here);
        assertThat(measuredThere.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(there)));
        assertThat(measuredThere.size()).isEqualTo(there.length);
        assertThat(ModelZips.entries(there).keySet()).containsExactly("metadata.json", "configuration.json", "coefficients.bin");
    }

    @Test
    void theExportReadsBackAsTheSameNetworkAndMetadata() throws Exception {
        byte[] zip = written(ModelExport.measure(() -> new ByteArrayInputStream(STORED), METADATA.toJson()));

        ModelFormat.WithMetadata read = ModelFormat.readWithMetadata(new ByteArrayInputStream(zip), ModelFormat.DEFAULT_MAX_BYTES);

        assertThat(read.network().params()).isEqualTo(NET.params());
        assertThat(read.metadata()).isEqualTo(METADATA);
        assertThat(ModelFormat.readWithMetadata(new ByteArrayInputStream(STORED), ModelFormat.DEFAULT_MAX_BYTES).metadata()).isNull();
    }

    @Test
    void metadataIsReadAsATreeWithinLimitsAndNothingElse() throws Exception {
        String json = new String(METADATA.toJson(), StandardCharsets.UTF_8);
        assertRefused(json.replace("\"name\" : \"cats\"", "\"name\" : \"cats\", \"name\" : \"dogs\""), "Duplicate");
        assertRefused(json.replace("\"version\" : 3", "\"version\" : \"3\""), "version must be a whole number");
        assertRefused(json.replace("\"architecture\" : \"baseline\"", "\"architecture\" : \"../x\""), "architecture must be");
        assertRefused(json.replace("\"lineage\" : {", "\"lineage\" : {\"@class\" : \"java.util.HashSet\","), "lineage.'@class'");
        assertRefused(json.replace("\"labels\" : [", "\"labels\" : [ 1,"), "each label must be");
        assertRefused("{\"format\" : \"cnn-lab-model/1\", \"labels\" : []}", "labels must be an array of 1-10000");
        assertRefused("{\"format\" : \"cnn-lab-model/1\", \"input\" : {\"channels\" : 3, \"side\" : 8, \"crop\" : 24}}", "input:");
        assertThat(parse("{\"format\" : \"cnn-lab-model/1\"}")).isEqualTo(new ModelMetadata(null, null, null, null, null, null, null));
    }

    private static void assertRefused(String json, String message) {
        assertThatThrownBy(() -> parse(json)).isInstanceOf(UnreadableModelException.class).hasMessageContaining(message)
                .hasMessageStartingWith("metadata.json ");
    }

    private static ModelMetadata parse(String json) throws UnreadableModelException {
        return ModelMetadata.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] written(ModelExport export) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        export.writeTo(() -> new ByteArrayInputStream(STORED), out);
        return out.toByteArray();
    }

    private static ComputationGraph network() {
        Architecture baseline = Architectures.offered().get("baseline");
        return Networks.create(baseline, TrainingPlan.seedDefaults(baseline));
    }
}
