package io.cnnlab.networks;

import org.nd4j.shade.jackson.core.JsonFactory;
import org.nd4j.shade.jackson.core.JsonParser;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.core.JsonToken;
import org.nd4j.shade.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks a DL4J configuration before DL4J binds it. DL4J's JSON names the class of every layer, vertex, activation
 * and updater ({@code "@class"}) and Jackson instantiates what it names; only DL4J's and ND4J's own classes may be
 * named. The scan uses the same (shaded) Jackson parser DL4J binds with, so both see the same tokens; duplicate
 * keys are refused, since the scan and the binder could otherwise each take a different one.
 */
final class ConfigurationJson {

    /** Which configuration the JSON holds: a {@code ComputationGraph}'s or a {@code MultiLayerNetwork}'s. */
    enum Kind { GRAPH, LAYERS }

    static final String TYPE_PROPERTY = "@class";
    static final List<String> ALLOWED_PACKAGES = List.of("org.deeplearning4j.", "org.nd4j.");

    /** Far deeper than DL4J's configurations nest; bounds the binder's recursion. */
    static final int MAX_DEPTH = 64;

    private static final Pattern CLASS_NAME = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)+");
    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private ConfigurationJson() {
    }

    static Kind check(String json) throws UnreadableModelException {
        boolean vertices = false;
        boolean confs = false;
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new UnreadableModelException(ModelArchive.CONFIGURATION + " is not a JSON object");
            }
            int depth = 1;
            while (depth > 0) {
                JsonToken token = parser.nextToken();
                if (token == null) {
                    throw new UnreadableModelException(ModelArchive.CONFIGURATION + " ends before its object closes");
                }
                switch (token) {
                    case START_OBJECT, START_ARRAY -> {
                        if (++depth > MAX_DEPTH) {
                            throw new UnreadableModelException(ModelArchive.CONFIGURATION + " nests deeper than " + MAX_DEPTH);
                        }
                    }
                    case END_OBJECT, END_ARRAY -> depth--;
                    case FIELD_NAME -> {
                        String name = parser.currentName();
                        if (depth == 1) {
                            vertices |= name.equals("vertices");
                            confs |= name.equals("confs");
                        }
                        if (name.equals(TYPE_PROPERTY)) {
                            checkType(parser);
                        }
                    }
                    default -> {
                    }
                }
            }
            if (parser.nextToken() != null) {
                throw new UnreadableModelException(ModelArchive.CONFIGURATION + " has content after its object");
            }
        } catch (JsonProcessingException e) {
            throw new UnreadableModelException(ModelArchive.CONFIGURATION + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (UnreadableModelException e) {
            throw e;
        } catch (IOException e) {
            throw new UnreadableModelException(ModelArchive.CONFIGURATION + " cannot be read: " + e.getMessage(), e);
        }
        if (vertices == confs) {
            throw new UnreadableModelException(ModelArchive.CONFIGURATION
                    + " is neither a ComputationGraph configuration (vertices) nor a MultiLayerNetwork one (confs)");
        }
        return vertices ? Kind.GRAPH : Kind.LAYERS;
    }

    private static void checkType(JsonParser parser) throws IOException {
        if (parser.nextToken() != JsonToken.VALUE_STRING) {
            throw new UnreadableModelException("%s: a %s value must be a class name".formatted(ModelArchive.CONFIGURATION, TYPE_PROPERTY));
        }
        String type = parser.getText();
        if (!CLASS_NAME.matcher(type).matches() || ALLOWED_PACKAGES.stream().noneMatch(type::startsWith)) {
            throw new UnreadableModelException("%s names the class %s; only classes of %s are accepted"
                    .formatted(ModelArchive.CONFIGURATION, type.length() > 200 ? type.substring(0, 200) + "..." : type,
                            String.join(" and ", ALLOWED_PACKAGES.stream().map(p -> p + "*").toList())));
        }
    }
}
