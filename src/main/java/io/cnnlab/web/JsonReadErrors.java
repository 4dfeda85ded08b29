package io.cnnlab.web;

import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What is wrong with a JSON body Jackson refused, said as the field it is about and why, in the same
 * {@code errors: [{field, message}]} shape as validation errors.
 */
final class JsonReadErrors {

    private JsonReadErrors() {
    }

    /** The field errors of a refused body, or an empty list when the refusal is not about one field. */
    static List<Map<String, String>> of(JacksonException e) {
        if (e instanceof StreamReadException && !(e instanceof MismatchedInputException)) {
            return List.of(); // malformed JSON: no field to name; the detail gives the position
        }
        String field = path(e);
        if (e instanceof UnrecognizedPropertyException unknown) {
            return List.of(Map.of("field", field, "message", "unknown field; known fields: " + known(unknown)));
        }
        if (e instanceof MismatchedInputException mismatch && !field.isEmpty()) {
            return List.of(Map.of("field", field, "message", expected(mismatch.getTargetType())));
        }
        return List.of();
    }

    /** Where a malformed document breaks, for the problem's detail. */
    static String position(JacksonException e) {
        TokenStreamLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 0 ? "" : " at line %d, column %d".formatted(at.getLineNr(), at.getColumnNr());
        return "the request body is not valid JSON" + where + ": " + e.getOriginalMessage();
    }

    private static String path(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String known(UnrecognizedPropertyException e) {
        Collection<Object> ids = e.getKnownPropertyIds();
        return ids == null ? "(none)" : String.join(", ", new TreeSet<>(ids.stream().map(String::valueOf).toList()));
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "has the wrong JSON type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class) {
            return "must be a whole number within range, without quotes or a fraction";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
            return "must be a finite number, without quotes";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "must be true or false, without quotes";
        }
        if (type == String.class) {
            return "must be a string";
        }
        if (type.isEnum()) {
            return "must be one of " + java.util.Arrays.toString(type.getEnumConstants());
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "must be an array";
        }
        return "must be an object";
    }
}
