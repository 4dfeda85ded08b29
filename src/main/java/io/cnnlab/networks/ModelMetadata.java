package io.cnnlab.networks;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code metadata.json}, the entry a downloaded model zip carries beside the network: what the network's outputs
 * mean, what input it takes, how images are prepared for it and where it came from. Written by the download, read by
 * the import. It is read as a JSON tree under tight limits (size, depth, number length, no duplicate keys) and picked
 * apart field by field: nothing in it ever names a type to instantiate.
 *
 * <p>Every field but {@code format} may be left out of a hand-written file; a field format 1 does not have is
 * refused, so a misspelt {@code lables} cannot silently import the default labels.
 *
 * @param preprocessing what classification applies to an image, as {@code ModelExporter} describes it (a JSON object)
 */
public record ModelMetadata(String name, Integer version, String architecture, List<String> labels,
                            InputDescription input, JsonNode preprocessing, Lineage lineage) {

    public static final String FORMAT = "cnn-lab-model/1";
    public static final String ENTRY = "metadata.json";

    /** Room for 10,000 labels of 200 characters, the most an import takes, with their quoting. */
    public static final int MAX_BYTES = 4 << 20;

    private static final int MAX_LABELS = 10_000;
    private static final int MAX_LABEL_LENGTH = 200;
    private static final String ARCHITECTURE = "[A-Za-z0-9._-]{1,64}";
    private static final Set<String> FIELDS = Set.of("format", "name", "version", "architecture", "labels", "input",
            "preprocessing", "lineage");
    private static final Set<String> LINEAGE_FIELDS = Set.of("source", "jobId", "checkpointStep", "testAccuracy",
            "dataset", "initFrom");

    /** Where a version came from: its registry fields, null where they do not apply (an import has no job). */
    public record Lineage(String source, String jobId, Long checkpointStep, Double testAccuracy, String dataset,
                          InitFrom initFrom) {
    }

    /** The model version a fine-tuned version started from. */
    public record InitFrom(String model, int version) {
    }

    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxDocumentLength(MAX_BYTES)
                            .maxNestingDepth(8)
                            .maxNumberLength(40)
                            .maxStringLength(MAX_BYTES)
                            .build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Two-space indentation and {@code \n} whatever the platform: the same metadata is always the same bytes. */
    private static final DefaultPrettyPrinter PRINTER = new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));

    /** The JSON, fields in a fixed order, UTF-8, ending in a newline. */
    public byte[] toJson() {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        ObjectNode root = nodes.objectNode();
        root.put("format", FORMAT);
        root.put("name", name);
        root.put("version", version);
        root.put("architecture", architecture);
        ArrayNode labelArray = root.putArray("labels");
        labels.forEach(labelArray::add);
        root.set("input", input(input));
        root.set("preprocessing", preprocessing);
        ObjectNode from = root.putObject("lineage");
        from.put("source", lineage.source());
        from.put("jobId", lineage.jobId());
        from.put("checkpointStep", lineage.checkpointStep());
        from.put("testAccuracy", lineage.testAccuracy());
        from.put("dataset", lineage.dataset());
        if (lineage.initFrom() == null) {
            from.putNull("initFrom");
        } else {
            from.putObject("initFrom").put("model", lineage.initFrom().model()).put("version", lineage.initFrom().version());
        }
        return (JSON.writer().with(PRINTER).writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static ObjectNode input(InputDescription input) {
        return JsonNodeFactory.instance.objectNode().put("channels", input.channels()).put("side", input.side())
                .put("crop", input.crop());
    }

    /**
     * Reads what {@link #toJson} wrote, or a hand-written file of the same format.
     *
     * @throws UnreadableModelException not JSON, too large or deep, another format, a field of the wrong type, a
     *                                  label the registry could not keep
     */
    static ModelMetadata parse(byte[] json) throws UnreadableModelException {
        if (json.length > MAX_BYTES) {
            throw refused("is larger than %d bytes".formatted(MAX_BYTES));
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw refused("is not JSON within the limits (%d bytes, depth 8): %s".formatted(MAX_BYTES, e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            throw refused("must be a JSON object");
        }
        fieldsOf(root, FIELDS, "");
        JsonNode format = root.get("format");
        if (format == null || !format.isString() || !format.asString().equals(FORMAT)) {
            throw refused("must have \"format\": \"%s\" (the format this service reads)".formatted(FORMAT));
        }
        String architecture = string(root, "architecture");
        if (architecture != null && !architecture.matches(ARCHITECTURE)) {
            throw refused("architecture must be 1-64 letters, digits, '.', '_' or '-'");
        }
        return new ModelMetadata(string(root, "name"), integer(root, "version"), architecture, labels(root),
                input(root.get("input")), object(root, "preprocessing"), lineage(root.get("lineage")));
    }

    private static List<String> labels(JsonNode root) throws UnreadableModelException {
        JsonNode labels = root.get("labels");
        if (labels == null || labels.isNull()) {
            return null;
        }
        if (!labels.isArray() || labels.isEmpty() || labels.size() > MAX_LABELS) {
            throw refused("labels must be an array of 1-%d names".formatted(MAX_LABELS));
        }
        List<String> names = new ArrayList<>(labels.size());
        for (JsonNode label : labels) {
            // the registry keeps labels one per line: a line break inside one would split it in two
            if (!label.isString() || label.asString().isBlank() || label.asString().length() > MAX_LABEL_LENGTH
                    || label.asString().chars().anyMatch(Character::isISOControl)) {
                throw refused("each label must be a name of 1-%d characters without control characters".formatted(MAX_LABEL_LENGTH));
            }
            names.add(label.asString());
        }
        return List.copyOf(names);
    }

    private static InputDescription input(JsonNode input) throws UnreadableModelException {
        if (input == null || input.isNull()) {
            return null;
        }
        if (!input.isObject()) {
            throw refused("input must be an object {channels, side, crop}");
        }
        fieldsOf(input, Set.of("channels", "side", "crop"), "input.");
        try {
            return new InputDescription(smallInt(input, "channels"), smallInt(input, "side"), smallInt(input, "crop"));
        } catch (IllegalArgumentException e) {
            throw refused("input: " + e.getMessage());
        }
    }

    private static int smallInt(JsonNode input, String field) throws UnreadableModelException {
        JsonNode value = input.get(field);
        if (value == null || !value.isInt() || value.asInt() < 1 || value.asInt() > 1 << 16) {
            throw refused("input.%s must be a whole number from 1 to 65536".formatted(field));
        }
        return value.asInt();
    }

    private static Lineage lineage(JsonNode lineage) throws UnreadableModelException {
        if (lineage == null || lineage.isNull()) {
            return null;
        }
        if (!lineage.isObject()) {
            throw refused("lineage must be an object");
        }
        fieldsOf(lineage, LINEAGE_FIELDS, "lineage.");
        JsonNode step = lineage.get("checkpointStep");
        if (step != null && !step.isNull() && !step.canConvertToLong()) {
            throw refused("lineage.checkpointStep must be a whole number");
        }
        JsonNode accuracy = lineage.get("testAccuracy");
        if (accuracy != null && !accuracy.isNull() && !accuracy.isNumber()) {
            throw refused("lineage.testAccuracy must be a number");
        }
        InitFrom initFrom = null;
        JsonNode from = lineage.get("initFrom");
        if (from != null && !from.isNull()) {
            if (!from.isObject()) {
                throw refused("lineage.initFrom must be an object {model, version}");
            }
            fieldsOf(from, Set.of("model", "version"), "lineage.initFrom.");
            Integer version = integer(from, "version");
            initFrom = new InitFrom(string(from, "model"), version == null ? 0 : version);
        }
        return new Lineage(string(lineage, "source"), string(lineage, "jobId"),
                step == null || step.isNull() ? null : step.asLong(),
                accuracy == null || accuracy.isNull() ? null : accuracy.asDouble(),
                string(lineage, "dataset"), initFrom);
    }

    private static void fieldsOf(JsonNode object, Set<String> known, String prefix) throws UnreadableModelException {
        Set<String> unknown = new TreeSet<>(object.propertyNames());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw refused("has a field %s%s that format %s does not have".formatted(prefix,
                    shown(unknown.iterator().next()), FORMAT));
        }
    }

    private static String string(JsonNode object, String field) throws UnreadableModelException {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString() || value.asString().length() > 1000) {
            throw refused(field + " must be a string of at most 1000 characters");
        }
        return value.asString();
    }

    private static Integer integer(JsonNode object, String field) throws UnreadableModelException {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isInt() || value.asInt() < 1) {
            throw refused(field + " must be a whole number from 1");
        }
        return value.asInt();
    }

    private static JsonNode object(JsonNode root, String field) throws UnreadableModelException {
        JsonNode value = root.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw refused(field + " must be an object");
        }
        return value;
    }

    private static String shown(String name) {
        String cut = name.length() > 80 ? name.substring(0, 80) + "..." : name;
        return "'" + cut.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    private static UnreadableModelException refused(String why) {
        return new UnreadableModelException(ENTRY + " " + why);
    }
}
