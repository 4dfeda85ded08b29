package io.cnnlab.faults;

import io.cnnlab.ServiceFixture;
import io.cnnlab.TestImages;
import io.cnnlab.TestJobs;
import io.cnnlab.jobs.JobState;
import io.cnnlab.jobs.TrainingJobs;
import io.cnnlab.models.ModelRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Generated and mutated images against the upload path over real HTTP: random bytes, bit flips, truncations,
 * spliced chunks, and PNG/JPEG headers with hostile dimensions. Every answer must be a 2xx or a documented 4xx
 * (400, 413, 415), never a 5xx, and none may take longer than the client's timeout.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class UploadFuzzFaultIT {

    private static final int INPUTS = Integer.getInteger("fuzz.inputs", 3000);
    private static final long SEED = Long.getLong("fuzz.seed", 20261127L);

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixture.withGeneratedData(registry, home, 20, 9);
        registry.add("cnn.inference.max-upload-bytes", () -> "2MB");
    }

    @Autowired
    TrainingJobs jobs;

    @Autowired
    ModelRegistry registry;

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void mutatedImagesGetA2xxOrADocumented4xxNeverA5xxOrAHang() throws Exception {
        String id = jobs.submit(TestJobs.baseline("fuzz", 1, null, 20, 2e-3)).job().id();
        await().atMost(Duration.ofMinutes(2)).until(() -> jobs.get(id).state() == JobState.SUCCEEDED);
        await().atMost(Duration.ofSeconds(30)).until(() -> registry.models().stream().anyMatch(m -> m.name().equals("fuzz")));

        List<byte[]> seeds = new ArrayList<>(List.of(
                TestImages.png(40, 30, 1), TestImages.encode(TestImages.picture(33, 17, 2), "jpeg"),
                TestImages.progressiveJpeg(64, 48, 3), TestImages.encode(TestImages.picture(20, 20, 4), "gif"),
                TestImages.encode(TestImages.picture(12, 9, 5), "bmp"), TestImages.encode(TestImages.picture(16, 16, 6), "tiff"),
                Files.readAllBytes(Path.of("src/test/resources/images/bars.webp"))));
        Random random = new Random(SEED);
        Map<Integer, Integer> statuses = new TreeMap<>();
        Map<String, Integer> byMutation = new TreeMap<>();
        long slowest = 0;
        for (int i = 0; i < INPUTS; i++) {
            byte[] seed = seeds.get(random.nextInt(seeds.size()));
            Mutation mutation = Mutation.values()[random.nextInt(Mutation.values().length)];
            byte[] input = mutation.apply(seed, random);
            Path last = Path.of("target", "fuzz-last-input.bin"); // kept: if the JVM dies or hangs, this is the one
            Files.createDirectories(last.getParent());
            Files.write(last, input);
            long start = System.nanoTime();
            HttpResponse<String> response;
            try {
                response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/models/fuzz/classify"))
                        .timeout(Duration.ofSeconds(20)).header("Content-Type", "image/png")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(input)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (HttpTimeoutException e) {
                throw new AssertionError("input " + i + " (" + mutation + " of a " + seed.length
                        + "-byte seed, kept in target/fuzz-last-input.bin) hung for 20 s", e);
            }
            slowest = Math.max(slowest, System.nanoTime() - start);
            statuses.merge(response.statusCode(), 1, Integer::sum);
            byMutation.merge(mutation.name(), 1, Integer::sum);
            if (response.statusCode() >= 500 || !List.of(200, 400, 413, 415).contains(response.statusCode())) {
                Path kept = Path.of("target", "fuzz-failure-" + i + ".bin");
                Files.createDirectories(kept.getParent());
                Files.write(kept, input);
                throw new AssertionError("input " + i + " (" + mutation + ", kept in " + kept + ") got "
                        + response.statusCode() + ": " + response.body());
            }
        }
        System.out.printf("fuzz: %d inputs (seed %d), statuses %s, mutations %s, slowest %.0f ms%n", INPUTS, SEED,
                statuses, byMutation, slowest / 1e6);
        assertThat(statuses.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(INPUTS);
        assertThat(statuses).containsKeys(200, 400); // the mutations reach both sides of the decoder
        assertThat(get("/actuator/health/readiness")).isEqualTo(200);
    }

    private int get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Ways to damage an encoded image. */
    enum Mutation {
        RANDOM_BYTES {
            byte[] apply(byte[] seed, Random r) {
                byte[] out = new byte[r.nextInt(2000)];
                r.nextBytes(out);
                return out;
            }
        },
        BIT_FLIPS {
            byte[] apply(byte[] seed, Random r) {
                byte[] out = seed.clone();
                for (int n = 1 + r.nextInt(12); n > 0; n--) {
                    int at = r.nextInt(out.length);
                    out[at] ^= (byte) (1 << r.nextInt(8));
                }
                return out;
            }
        },
        HEADER_BYTES {
            byte[] apply(byte[] seed, Random r) {
                byte[] out = seed.clone();
                for (int n = 1 + r.nextInt(4); n > 0; n--) {
                    out[r.nextInt(Math.min(out.length, 64))] = (byte) r.nextInt(256);
                }
                return out;
            }
        },
        TRUNCATED {
            byte[] apply(byte[] seed, Random r) {
                return Arrays.copyOf(seed, r.nextInt(seed.length));
            }
        },
        SPLICED {
            byte[] apply(byte[] seed, Random r) {
                int from = r.nextInt(seed.length), length = r.nextInt(seed.length - from);
                int to = r.nextInt(seed.length);
                ByteBuffer out = ByteBuffer.allocate(seed.length + length);
                out.put(seed, 0, to).put(seed, from, length).put(seed, to, seed.length - to);
                return out.array();
            }
        },
        /** A PNG whose IHDR claims hostile dimensions, with a correct CRC so that decoders believe it. */
        PNG_DIMENSIONS {
            byte[] apply(byte[] seed, Random r) {
                byte[] out = TestImages.png(8, 8, r.nextLong());
                int[] choices = {0, 1, 65_535, 30_000, Integer.MAX_VALUE, -1, 1 << 24};
                ByteBuffer.wrap(out).putInt(16, choices[r.nextInt(choices.length)]).putInt(20, choices[r.nextInt(choices.length)]);
                CRC32 crc = new CRC32();
                crc.update(out, 12, 17);
                ByteBuffer.wrap(out).putInt(29, (int) crc.getValue());
                return out;
            }
        },
        /** A JPEG whose SOF claims other dimensions than its scans hold. */
        JPEG_DIMENSIONS {
            byte[] apply(byte[] seed, Random r) {
                byte[] out = TestImages.encode(TestImages.picture(16, 16, r.nextLong()), "jpeg");
                for (int i = 2; i + 8 < out.length; i++) {
                    if ((out[i] & 0xff) == 0xff && ((out[i + 1] & 0xff) == 0xc0 || (out[i + 1] & 0xff) == 0xc2)) {
                        int[] choices = {0, 1, 65_535, 8_000};
                        ByteBuffer.wrap(out).putShort(i + 5, (short) choices[r.nextInt(4)]).putShort(i + 7, (short) choices[r.nextInt(4)]);
                        break;
                    }
                }
                return out;
            }
        },
        EMPTY {
            byte[] apply(byte[] seed, Random r) {
                return new byte[0];
            }
        };

        abstract byte[] apply(byte[] seed, Random r);
    }
}
