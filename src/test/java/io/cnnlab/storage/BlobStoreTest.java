package io.cnnlab.storage;

import io.cnnlab.files.DurableFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Both stores keep the one contract: whole objects, their sha256 checked on every read, keys listed by prefix. */
@ParameterizedClass
@EnumSource(BlobStoreTest.Kind.class)
class BlobStoreTest {

    enum Kind {
        FILESYSTEM {
            @Override
            BlobStore create(Path dir) {
                return new FileSystemBlobStore(dir.resolve("root"));
            }
        },
        S3 {
            @Override
            BlobStore create(Path dir) {
                S3Server server = S3Server.get();
                return TestStores.bucket(server, server.createBucket("b-" + UUID.randomUUID()), dir.resolve("tmp"));
            }
        };

        abstract BlobStore create(Path dir);
    }

    // sha256 of "hello" (sha256sum)
    private static final String HELLO_SHA256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    @TempDir
    Path dir;

    private final Kind kind;

    BlobStoreTest(Kind kind) {
        this.kind = kind;
    }

    @Test
    void aPutAnswersSizeAndSha256AndAnOpenWithThatSha256ReadsTheBytesBack() throws IOException {
        BlobStore store = kind.create(dir);
        DurableFiles.Written written = store.put("models/cats/v1.zip", out -> out.write(bytes("hello")));

        assertThat(written).isEqualTo(new DurableFiles.Written(5, HELLO_SHA256));
        try (InputStream in = store.open("models/cats/v1.zip", HELLO_SHA256)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
        }
        assertThat(temporaryFiles()).isEmpty();
    }

    @Test
    void anObjectWhoseBytesNoLongerHaveTheRecordedSha256IsRefused() {
        BlobStore store = kind.create(dir);
        store.put("checkpoints/job/step-1.zip", out -> out.write(bytes("hello")));
        store.put("checkpoints/job/step-1.zip", out -> out.write(bytes("hellO"))); // replaced behind the record's back

        assertThatThrownBy(() -> store.open("checkpoints/job/step-1.zip", HELLO_SHA256))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("recorded " + HELLO_SHA256).hasMessageContaining("corrupt");
        assertThatThrownBy(() -> store.open("checkpoints/job/step-2.zip", HELLO_SHA256))
                .isInstanceOf(CorruptBlobException.class).hasMessageContaining("missing");
        assertThat(temporaryFiles()).isEmpty();
    }

    @Test
    void deleteRemovesTheObjectAndListAnswersTheKeysUnderAPrefix() {
        BlobStore store = kind.create(dir);
        for (String key : new String[]{"checkpoints/a/step-1.zip", "checkpoints/a/step-2.zip", "checkpoints/b/step-1.zip",
                "models/cats/v1.zip"}) {
            store.put(key, out -> out.write(bytes(key)));
        }

        assertThat(store.list("checkpoints/")).containsExactlyInAnyOrder("checkpoints/a/step-1.zip",
                "checkpoints/a/step-2.zip", "checkpoints/b/step-1.zip");
        assertThat(store.list("checkpoints/a/")).containsExactlyInAnyOrder("checkpoints/a/step-1.zip", "checkpoints/a/step-2.zip");
        assertThat(store.list("models/")).containsExactly("models/cats/v1.zip");
        assertThat(store.list("nothing/")).isEmpty();

        store.delete("checkpoints/a/step-1.zip");
        store.delete("checkpoints/a/step-1.zip"); // a second delete is no error
        store.delete("checkpoints/never/step-1.zip");
        assertThat(store.list("checkpoints/")).containsExactlyInAnyOrder("checkpoints/a/step-2.zip", "checkpoints/b/step-1.zip");
        assertThatThrownBy(() -> store.open("checkpoints/a/step-1.zip", HELLO_SHA256)).isInstanceOf(CorruptBlobException.class);
    }

    @Test
    void keysThatCouldLeaveTheRootAreRefused() {
        BlobStore store = kind.create(dir);
        for (String key : new String[]{"../x", "a/../../x", "/etc/passwd", "a//b", ".hidden", "a/.tmp", "", "a\\b"}) {
            assertThatThrownBy(() -> store.put(key, out -> out.write(1)), key).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> store.list("../")).isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** What a put or an open left behind in the S3 store's temporary directory (none for the filesystem). */
    private java.util.List<Path> temporaryFiles() {
        Path tmp = dir.resolve("tmp");
        if (!Files.isDirectory(tmp)) {
            return java.util.List.of();
        }
        try (var files = Files.list(tmp)) {
            return files.toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
