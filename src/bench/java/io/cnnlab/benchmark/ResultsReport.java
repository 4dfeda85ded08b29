package io.cnnlab.benchmark;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.awt.BasicStroke;
import java.awt.Color;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Turns finished runs into docs/results/: asks the service for the comparison of the given jobs and writes
 * a Markdown table, the comparison as CSV, each job's per-epoch metrics as CSV and JSON, and a PNG of test
 * accuracy against wall time. Everything comes from the service's own API; nothing is computed twice.
 *
 * <pre>
 * --url URL      service base URL (default http://localhost:8080)
 * --jobs a,b,c   job ids, in the order of the table
 * --key KEY      API key (a client key), when the service requires one
 * --out DIR      where to write (default docs/results)
 * </pre>
 */
public final class ResultsReport {

    private ResultsReport() {
    }

    public static void main(String[] args) throws Exception {
        String url = "http://localhost:8080", jobs = null, key = null;
        Path out = Path.of("docs", "results");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--url" -> url = args[i + 1];
                case "--jobs" -> jobs = args[i + 1];
                case "--key" -> key = args[i + 1];
                case "--out" -> out = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (jobs == null) {
            throw new IllegalArgumentException("--jobs id1,id2,... is required");
        }
        Files.createDirectories(out);
        Api api = new Api(url, key);
        String query = "/api/v1/comparisons?jobs=" + jobs + "&epochs=1,5,10,20,30&thresholds=0.6,0.7,0.75,0.8,0.85";
        // at most 20 jobs: one page of the envelope holds every row
        JsonNode rows = JsonMapper.builder().build().readTree(api.get(query, "application/json")).get("items");
        Files.writeString(out.resolve("comparison.csv"), api.get(query, "text/csv"));
        for (JsonNode row : rows) {
            String id = row.get("jobId").asString(), name = label(row, rows);
            Files.writeString(out.resolve(name + "-metrics.csv"), api.get("/api/v1/training-jobs/" + id + "/metrics", "text/csv"));
            Files.writeString(out.resolve(name + "-metrics.json"), api.get("/api/v1/training-jobs/" + id + "/metrics?size=1000", "application/json"));
        }
        Files.writeString(out.resolve("results.md"), table(rows));
        plot(rows, out.resolve("accuracy-vs-time.png"), false);
        plot(rows, out.resolve("accuracy-vs-epoch.png"), true);
        System.out.print(table(rows));
        System.out.println("written to " + out.toAbsolutePath());
    }

    static String table(JsonNode rows) {
        StringBuilder md = new StringBuilder("| network | parameters | MACs/image | train img/s | wall time | epochs (steps) | "
                + "test acc. @1 / @5 / @10 epochs | final | best | to 60 % | to 70 % | to 80 % | to 85 % |\n"
                + "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (JsonNode r : rows) {
            JsonNode at = r.get("accuracyAtEpoch"), to = r.get("secondsToAccuracy");
            md.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %,.0f | %s | %d (%,d) | %s / %s / %s | %s | %s | %s | %s | %s | %s |%n",
                    label(r, rows), r.get("parameterCount").asLong(), r.get("macsPerImage").asLong(),
                    r.get("imagesPerSecond").asDouble(), minutes(r.get("wallSeconds")), r.get("epochsCompleted").asInt(),
                    r.get("stepsCompleted").asLong(), pct(at.get("1")), pct(at.get("5")), pct(at.get("10")),
                    pct(r.get("finalTestAccuracy")), pct(r.get("bestTestAccuracy")), minutes(to.get("0.6")),
                    minutes(to.get("0.7")), minutes(to.get("0.8")), minutes(to.get("0.85"))));
        }
        return md.toString();
    }

    /** The architecture, or the model name where two runs share an architecture (e.g. a learning-rate control). */
    static String label(JsonNode row, JsonNode rows) {
        String architecture = row.get("architecture").asString();
        int same = 0;
        for (JsonNode other : rows) {
            if (other.get("architecture").asString().equals(architecture)) {
                same++;
            }
        }
        return same > 1 ? row.get("modelName").asString() : architecture;
    }

    private static String pct(JsonNode value) {
        return value == null || value.isNull() ? "–" : String.format(Locale.ROOT, "%.2f %%", 100 * value.asDouble());
    }

    private static String minutes(JsonNode seconds) {
        return seconds == null || seconds.isNull() ? "never" : String.format(Locale.ROOT, "%.1f min", seconds.asDouble() / 60);
    }

    /**
     * Test accuracy against wall time, or against epochs: wall time is what users wait for, epochs are immune to
     * whatever else the machine was doing.
     */
    static void plot(JsonNode rows, Path png, boolean byEpoch) throws Exception {
        XYSeriesCollection data = new XYSeriesCollection();
        for (JsonNode r : rows) {
            XYSeries series = new XYSeries(label(r, rows));
            for (JsonNode p : r.get("curve")) {
                double x = byEpoch ? p.get("epoch").asDouble() : p.get("elapsedSeconds").asDouble() / 60;
                series.add(x, 100 * p.get("testAccuracy").asDouble());
            }
            data.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("CIFAR-10 test accuracy (10,000 images) against "
                        + (byEpoch ? "epochs" : "training wall time"),
                byEpoch ? "epoch (390 steps of 128)" : "wall time (minutes, evaluation included)", "test accuracy (%)",
                data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        Color[] colors = {new Color(0x2563eb), new Color(0xdc2626), new Color(0x16a34a), new Color(0xd97706), new Color(0x7c3aed)};
        for (int i = 0; i < rows.size(); i++) {
            renderer.setSeriesPaint(i, colors[i % colors.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1000, 560);
    }

    /** The service's API over HTTP, with the key when one is given. */
    private record Api(String url, String key) {

        private static final HttpClient HTTP = HttpClient.newHttpClient();

        String get(String path, String accept) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).header("Accept", accept);
            if (key != null) {
                request.header("X-API-Key", key);
            }
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(path + ": " + response.statusCode() + " " + response.body());
            }
            return response.body();
        }
    }
}
