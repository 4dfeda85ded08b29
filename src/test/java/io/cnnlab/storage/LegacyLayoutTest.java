package io.cnnlab.storage;

import io.cnnlab.files.DurableFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Files an earlier version kept in cnn.home/checkpoints and cnn.home/models move into the store at start-up. */
class LegacyLayoutTest {

    private static final String CHECKPOINT = "checkpoints/0b7c1b9e-5a55-4b0e-9d8e-0c2f6f9f2a11/step-000000010.zip";
    private static final String MODEL = "models/cats/v1.zip";

    @TempDir
    Path home;

    private String sha256(String key) throws IOException {
        Path file = home.resolve(key);
        Files.createDirectories(file.getParent());
        Files.writeString(file, key);
        return DurableFiles.sha256(file);
    }

    @Test
    void intoTheDefaultRootTheDirectoriesAreRenamedAndEveryFileOpensWithItsRecordedSha256() throws IOException {
        String checkpoint = sha256(CHECKPOINT);
        String model = sha256(MODEL);
        FileSystemBlobStore store = new FileSystemBlobStore(home.resolve("storage"));

        LegacyLayout.moveInto(store, home);

        assertThat(home.resolve("checkpoints")).doesNotExist();
        assertThat(home.resolve("models")).doesNotExist();
        assertOpens(store, CHECKPOINT, checkpoint);
        assertOpens(store, MODEL, model);

        LegacyLayout.moveInto(store, home); // the next start-up finds nothing to move
        assertThat(store.list("")).containsExactlyInAnyOrder(CHECKPOINT, MODEL);
    }

    @Test
    void aMoveCutShortFinishesFileByFileAtTheNextStart() throws IOException {
        String checkpoint = sha256(CHECKPOINT);
        String model = sha256(MODEL);
        FileSystemBlobStore store = new FileSystemBlobStore(home.resolve("storage"));
        store.put("models/dogs/v1.zip", out -> out.write(1)); // the target already exists: no rename
        Files.writeString(home.resolve("models/cats/.v2.zip.tmp"), "a write that never finished");

        LegacyLayout.moveInto(store, home);

        assertThat(home.resolve("models")).doesNotExist();
        assertOpens(store, MODEL, model);
        assertOpens(store, CHECKPOINT, checkpoint);
        assertThat(store.list("models/")).containsExactlyInAnyOrder(MODEL, "models/dogs/v1.zip");
    }

    @Test
    void aRootThatIsTheHomeItselfLeavesTheFilesWhereTheyAre() throws IOException {
        String model = sha256(MODEL);
        FileSystemBlobStore store = new FileSystemBlobStore(home);

        LegacyLayout.moveInto(store, home);

        assertOpens(store, MODEL, model);
        assertThat(home.resolve(MODEL)).exists();
    }

    @Test
    void intoABucketEachFileIsUploadedThenRemoved() throws IOException {
        String checkpoint = sha256(CHECKPOINT);
        String model = sha256(MODEL);
        S3Server server = S3Server.get();
        BlobStore store = TestStores.bucket(server, server.createBucket("legacy-" + UUID.randomUUID()), home.resolve("tmp"));

        LegacyLayout.moveInto(store, home);

        assertThat(home.resolve("checkpoints")).doesNotExist();
        assertThat(home.resolve("models")).doesNotExist();
        assertOpens(store, CHECKPOINT, checkpoint);
        assertOpens(store, MODEL, model);
    }

    private static void assertOpens(BlobStore store, String key, String sha256) throws IOException {
        try (InputStream in = store.open(key, sha256)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(key);
        }
    }
}
