package io.cnnlab.web;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** RFC 4180 CSV for the exports: a header and rows of plain values. */
record CsvTable(List<String> header, List<List<Object>> rows) {

    static final String MEDIA_TYPE = "text/csv";

    /** One column per record component, in declaration order, but those the JSON leaves out ({@code @JsonIgnore}). */
    static <R extends Record> CsvTable ofRecords(Class<R> type, List<R> records) {
        RecordComponent[] components = Arrays.stream(type.getRecordComponents())
                .filter(c -> !c.getAccessor().isAnnotationPresent(com.fasterxml.jackson.annotation.JsonIgnore.class))
                .toArray(RecordComponent[]::new);
        List<List<Object>> rows = new ArrayList<>(records.size());
        for (R record : records) {
            List<Object> row = new ArrayList<>(components.length);
            for (RecordComponent component : components) {
                try {
                    row.add(component.getAccessor().invoke(record));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            rows.add(row);
        }
        return new CsvTable(Arrays.stream(components).map(RecordComponent::getName).toList(), rows);
    }

    String render() {
        StringBuilder out = new StringBuilder();
        line(out, new ArrayList<>(header));
        rows.forEach(row -> line(out, row));
        return out.toString();
    }

    private static void line(StringBuilder out, List<?> values) {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(cell(values.get(i)));
        }
        out.append("\r\n");
    }

    private static String cell(Object value) {
        if (value == null) {
            return "";
        }
        String text = value.toString();
        // a leading =, +, - or @ would be run as a formula by spreadsheets, and so would one after a leading tab or
        // carriage return (which some strip on import); user-chosen names go through here
        if (value instanceof CharSequence && !text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0) {
            text = "'" + text;
        }
        if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }
}
