package io.cnnlab.datasets;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against a real HTTP server on loopback serving a generated archive in the official layout. */
class Cifar10DownloadTest {

    @TempDir
    Path tmp;

    private HttpServer server;
    private final java.util.concurrent.ExecutorService handlers = java.util.concurrent.Executors.newCachedThreadPool();
    private byte[] archive;
    private final AtomicInteger rangeRequests = new AtomicInteger();

    @BeforeEach
    void serveArchive() throws IOException {
        Path source = CifarFixtures.writeDirectory(tmp.resolve("source"), 3, 4);
        archive = tarGz(source);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/cifar-10-binary.tar.gz", exchange -> {
            String range = exchange.getRequestHeaders().getFirst("Range");
            int from = 0;
            if (range != null) {
                rangeRequests.incrementAndGet();
                from = Integer.parseInt(range.replace("bytes=", "").replace("-", ""));
                exchange.getResponseHeaders().add("Content-Range", "bytes %d-%d/%d".formatted(from, archive.length - 1, archive.length));
                exchange.sendResponseHeaders(206, archive.length - from);
            } else {
                exchange.sendResponseHeaders(200, archive.length);
            }
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(archive, from, archive.length - from);
            }
        });
        server.setExecutor(handlers); // a stalling handler must not hold up the others
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        handlers.shutdownNow();
    }

    private URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/cifar-10-binary.tar.gz");
    }

    @Test
    void downloadsVerifiesAndUnpacksThenTheSourceReadsIt() throws IOException {
        Path data = tmp.resolve("data");
        var source = new Cifar10Source(data, new Cifar10Download(uri(), md5(archive)));

        Cifar10 cifar = source.load();

        assertThat(cifar.train().size()).isEqualTo(15);
        assertThat(cifar.test().size()).isEqualTo(3);
        assertThat(Files.readAllBytes(data.resolve("test_batch.bin")))
                .isEqualTo(Files.readAllBytes(tmp.resolve("source/test_batch.bin")));
        try (var files = Files.list(data)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .noneMatch(name -> name.endsWith(".part") || name.endsWith(".tmp"));
        }
    }

    @Test
    void aChecksumMismatchLeavesNoFilesBehind() throws IOException {
        Path data = tmp.resolve("data");
        var download = new Cifar10Download(uri(), "00000000000000000000000000000000");

        assertThatThrownBy(() -> download.into(data))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessageContaining("the archive's MD5 is " + md5(archive) + ", expected 00000000000000000000000000000000")
                .hasMessageContaining("set cnn.data-dir to a directory holding an existing copy");
        try (var files = Files.list(data)) {
            assertThat(files).isEmpty();
        }
        assertThat(Cifar10Reader.isComplete(data)).isFalse();
    }

    @Test
    void anInterruptedDownloadResumesFromItsPartialFile() throws IOException {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.write(data.resolve("cifar-10-binary.tar.gz.part"), Arrays.copyOf(archive, archive.length / 3));

        new Cifar10Download(uri(), md5(archive)).into(data);

        assertThat(rangeRequests.get()).isEqualTo(1);
        assertThat(Cifar10Reader.read(data).train().size()).isEqualTo(15);
    }

    @Test
    void anUnresolvableHostIsNamedWithTheWayToRunOffline() {
        var download = new Cifar10Download(URI.create("http://nonexistent.invalid/cifar-10-binary.tar.gz"), "0".repeat(32));

        assertThatThrownBy(() -> download.into(tmp.resolve("data")))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessageContaining("host nonexistent.invalid cannot be resolved")
                .hasMessageContaining("set cnn.data-dir to a directory holding an existing copy of the CIFAR-10 binary set")
                .hasMessageNotContaining("null");
    }

    @Test
    void aRefusedConnectionIsNamedUnreachable() throws IOException {
        int port;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        var download = new Cifar10Download(URI.create("http://127.0.0.1:" + port + "/x.tar.gz"), "0".repeat(32));

        assertThatThrownBy(() -> download.into(tmp.resolve("data")))
                .hasMessageContaining("127.0.0.1:" + port + " is unreachable (ConnectException: Connection refused)")
                .hasMessageContaining("cnn.data-dir");
    }

    @Test
    void anHttpErrorNamesItsStatus() {
        var download = new Cifar10Download(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/missing.tar.gz"),
                md5OfArchive());

        assertThatThrownBy(() -> download.into(tmp.resolve("data")))
                .hasMessageContaining("the server answered HTTP 404")
                .hasMessageContaining("cnn.data-dir");
    }

    @Test
    void aServerThatStopsSendingTimesOutAndKeepsWhatArrivedForTheNextAttempt() throws Exception {
        var release = new java.util.concurrent.CountDownLatch(1);
        server.createContext("/stalls.tar.gz", exchange -> {
            exchange.sendResponseHeaders(200, archive.length);
            OutputStream out = exchange.getResponseBody();
            out.write(archive, 0, 100);
            out.flush();
            try {
                release.await(); // silence until the test is done
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        var download = new Cifar10Download(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/stalls.tar.gz"),
                md5OfArchive(), Duration.ofSeconds(5), Duration.ofMillis(300));
        Path data = tmp.resolve("data");

        try {
            assertThatThrownBy(() -> download.into(data))
                    .hasMessageContaining("the server sent nothing for 0.3 s (100 bytes kept; the download resumes on the next attempt)")
                    .hasMessageContaining("cnn.data-dir");
        } finally {
            release.countDown();
        }
        assertThat(Files.size(data.resolve("cifar-10-binary.tar.gz.part"))).isEqualTo(100);
    }

    @Test
    void aTransferCutShortIsNamedAndResumable() {
        server.createContext("/cut.tar.gz", exchange -> {
            exchange.sendResponseHeaders(200, archive.length);
            OutputStream out = exchange.getResponseBody();
            out.write(archive, 0, 1000);
            out.flush();
            exchange.close(); // fewer bytes than announced: the server drops the connection
        });
        var download = new Cifar10Download(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/cut.tar.gz"),
                md5OfArchive(), Duration.ofSeconds(5), Duration.ofSeconds(5));
        Path data = tmp.resolve("data");

        assertThatThrownBy(() -> download.into(data))
                .hasMessageContaining("the connection closed after 1,000 of %,d bytes (1,000 bytes kept".formatted(archive.length))
                .hasMessageContaining("cnn.data-dir");
    }

    private String md5OfArchive() {
        try {
            return md5(archive);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String md5(byte[] bytes) throws IOException {
        Path file = Files.createTempFile("archive", ".tgz");
        Files.write(file, bytes);
        try {
            return Cifar10Download.md5Of(file);
        } finally {
            Files.delete(file);
        }
    }

    /** A minimal ustar archive with the official folder name. */
    private static byte[] tarGz(Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            try (var files = Files.list(dir)) {
                for (Path file : files.sorted().toList()) {
                    byte[] content = Files.readAllBytes(file);
                    byte[] header = new byte[512];
                    put(header, 0, "cifar-10-batches-bin/" + file.getFileName());
                    put(header, 100, "0000644");
                    put(header, 124, String.format("%011o", content.length));
                    header[156] = '0';
                    put(header, 257, "ustar");
                    Arrays.fill(header, 148, 156, (byte) ' ');
                    int sum = 0;
                    for (byte b : header) {
                        sum += b & 0xFF;
                    }
                    put(header, 148, String.format("%06o", sum));
                    gz.write(header);
                    gz.write(content);
                    gz.write(new byte[(512 - content.length % 512) % 512]);
                }
            }
            gz.write(new byte[1024]);
        }
        return bytes.toByteArray();
    }

    private static void put(byte[] header, int offset, String value) {
        byte[] ascii = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(ascii, 0, header, offset, ascii.length);
    }
}
