package io.cnnlab.benchmark;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load client for the classify endpoint of a running service: closed-loop clients at several concurrencies
 * (throughput and latency percentiles), then an open-loop fixed request rate (latency under a steady load). Each
 * request posts one 32x32 PNG as a raw body. Not a test: see README, "Serving benchmark".
 *
 * <pre>
 * --url URL            service base URL (default http://localhost:8080)
 * --model NAME         model to classify with (required)
 * --concurrency 1,4,16,64
 * --seconds N          per level (default 10)
 * --rate R             requests/s of the open-loop run (default 1000; 0 to skip)
 * </pre>
 */
public final class ServingBenchmark {

    private ServingBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String url = "http://localhost:8080";
        String model = null;
        int[] levels = {1, 4, 16, 64};
        int seconds = 10;
        int rate = 1000;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--url" -> url = args[i + 1];
                case "--model" -> model = args[i + 1];
                case "--concurrency" -> levels = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--rate" -> rate = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (model == null) {
            throw new IllegalArgumentException("--model NAME is required");
        }
        URI classify = URI.create(url + "/api/v1/models/" + model + "/classify?topK=1");
        byte[] png = png();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        System.out.printf("# serving benchmark %s: POST %s, one %d-byte PNG per request, %d s per level, %d cores%n",
                OffsetDateTime.now().withNano(0), classify, png.length, seconds, Runtime.getRuntime().availableProcessors());
        closedLoop(http, classify, png, 2, 3); // warm-up
        System.out.println("| clients | requests/s (= images/s) | p50 ms | p90 ms | p99 ms | errors |");
        System.out.println("|---:|---:|---:|---:|---:|---:|");
        for (int clients : levels) {
            Result r = closedLoop(http, classify, png, clients, seconds);
            System.out.printf("| %d | %.0f | %.2f | %.2f | %.2f | %d |%n", clients, r.perSecond(), r.percentile(50),
                    r.percentile(90), r.percentile(99), r.errors());
        }
        if (rate > 0) {
            Result r = openLoop(http, classify, png, rate, seconds);
            System.out.printf("%nopen loop at %d requests/s for %d s: achieved %.0f/s, p50 %.2f ms, p99 %.2f ms, errors %d%n",
                    rate, seconds, r.perSecond(), r.percentile(50), r.percentile(99), r.errors());
        }
    }

    record Result(long[] nanos, int count, double perSecond, long errors) {
        double percentile(double p) {
            long[] sorted = Arrays.copyOf(nanos, count);
            Arrays.sort(sorted);
            return count == 0 ? Double.NaN : sorted[(int) Math.min(count - 1, Math.ceil(p / 100 * count) - 1)] / 1e6;
        }
    }

    private static Result closedLoop(HttpClient http, URI uri, byte[] png, int clients, int seconds) throws InterruptedException {
        long[] nanos = new long[4_000_000];
        AtomicLong index = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        for (int c = 0; c < clients; c++) {
            pool.submit(() -> {
                HttpRequest request = request(uri, png);
                while (System.nanoTime() < end) {
                    long t = System.nanoTime();
                    if (!send(http, request)) {
                        errors.incrementAndGet();
                    }
                    long i = index.getAndIncrement();
                    if (i < nanos.length) {
                        nanos[(int) i] = System.nanoTime() - t;
                    }
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(seconds + 60L, TimeUnit.SECONDS);
        int count = (int) Math.min(index.get(), nanos.length);
        return new Result(nanos, count, index.get() / ((System.nanoTime() - start) / 1e9), errors.get());
    }

    /** Requests start on a fixed schedule whatever the answers take, so queueing shows in the latency. */
    private static Result openLoop(HttpClient http, URI uri, byte[] png, int rate, int seconds) throws InterruptedException {
        int total = rate * seconds;
        long[] nanos = new long[total];
        AtomicLong done = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(256);
        HttpRequest request = request(uri, png);
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long scheduled = start + (long) i * 1_000_000_000L / rate;
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            int slot = i;
            pool.submit(() -> {
                if (!send(http, request)) {
                    errors.incrementAndGet();
                }
                nanos[slot] = System.nanoTime() - scheduled;
                done.incrementAndGet();
            });
        }
        pool.shutdown();
        pool.awaitTermination(120, TimeUnit.SECONDS);
        return new Result(nanos, (int) done.get(), done.get() / ((System.nanoTime() - start) / 1e9), errors.get());
    }

    private static HttpRequest request(URI uri, byte[] png) {
        return HttpRequest.newBuilder(uri).header("Content-Type", "image/png").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build();
    }

    private static boolean send(HttpClient http, HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static byte[] png() throws IOException {
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(1);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
