package io.cnnlab.training;

import io.cnnlab.architectures.LearningRate;
import io.cnnlab.architectures.Recipe;
import io.cnnlab.datasets.Augmentation;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * A {@link TrainingPlan} as the document a job stores. Training owns its shape; the job store carries the text without
 * reading it. Written with a mapper of its own, so the stored shape does not follow the web layer's settings.
 */
public final class TrainingPlans {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private TrainingPlans() {
    }

    public static String toJson(TrainingPlan plan) {
        return JSON.writeValueAsString(plan);
    }

    /** sha256 of the plan's document: equal plans (however the request spelled them) have equal digests. */
    public static String sha256(TrainingPlan plan, String... more) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(toJson(plan).getBytes(StandardCharsets.UTF_8));
            for (String part : more) {
                digest.update((byte) 0);
                digest.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * Reads a stored plan. A field the recipe gained after the plan was stored reads as the seed recipe's value (what
     * training did before the field existed), so a new hyper-parameter needs no migration. Jobs stored before the plan
     * was one document hold the flat hyper-parameters of that version (no architecture, no recipe, no
     * trainAccuracyEvery); they read as the same plan with the seed's trainAccuracyEvery, which that version used.
     *
     * @param architecture the job's network (the old shape does not name it)
     */
    public static TrainingPlan fromJson(String architecture, String json) {
        try {
            JsonNode tree = JSON.readTree(json);
            if (tree instanceof ObjectNode plan && plan.get("recipe") instanceof ObjectNode recipe) {
                plan.set("recipe", over(JSON.valueToTree(Recipe.SEED), recipe));
                return JSON.treeToValue(plan, TrainingPlan.class);
            }
            return fromFlatParameters(architecture, tree);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new IllegalStateException("the stored training plan cannot be read: " + e.getMessage(), e);
        }
    }

    /** {@code stored} laid over {@code base}, object fields merged at every depth. */
    private static ObjectNode over(ObjectNode base, ObjectNode stored) {
        for (Map.Entry<String, JsonNode> field : stored.properties()) {
            if (base.get(field.getKey()) instanceof ObjectNode inner && field.getValue() instanceof ObjectNode value) {
                over(inner, value);
            } else {
                base.set(field.getKey(), field.getValue());
            }
        }
        return base;
    }

    private static TrainingPlan fromFlatParameters(String architecture, JsonNode p) {
        JsonNode maxSteps = p.path("maxSteps");
        Recipe recipe = new Recipe(required(p, "epochs").asInt(), required(p, "batchSize").asInt(),
                new LearningRate(required(p, "learningRate").asDouble(), required(p, "learningRateDecay").asDouble(),
                        required(p, "learningRateDecaySteps").asInt()),
                required(p, "seed").asLong(),
                new Augmentation(required(p, "randomCrop").asBoolean(), required(p, "flip").asBoolean(),
                        required(p, "maxBrightnessDelta").asDouble(), required(p, "minContrast").asDouble(),
                        required(p, "maxContrast").asDouble()),
                required(p, "weightStddev").asDouble(), required(p, "biasInit").asDouble(),
                Recipe.SEED.trainAccuracyEvery());
        return new TrainingPlan(architecture, maxSteps.isNumber() ? maxSteps.asLong() : null, recipe);
    }

    private static JsonNode required(JsonNode parameters, String field) {
        JsonNode value = parameters.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("no " + field);
        }
        return value;
    }
}
