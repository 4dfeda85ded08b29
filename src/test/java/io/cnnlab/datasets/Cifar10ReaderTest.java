package io.cnnlab.datasets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Cifar10ReaderTest {

    @TempDir
    Path dir;

    @Test
    void readsLabelsAndKeepsTheRgbPlaneOrder() throws IOException {
        CifarFixtures.writeDirectory(dir, 4, 1);
        // overwrite the first test record with a known pattern: label 7, red plane 1s, green 2s, blue 3s
        byte[] test = Files.readAllBytes(dir.resolve("test_batch.bin"));
        test[0] = 7;
        Arrays.fill(test, 1, 1025, (byte) 1);
        Arrays.fill(test, 1025, 2049, (byte) 2);
        Arrays.fill(test, 2049, 3073, (byte) 200);
        Files.write(dir.resolve("test_batch.bin"), test);

        Cifar10 cifar = Cifar10Reader.read(dir);

        assertThat(cifar.train().size()).isEqualTo(20);
        assertThat(cifar.test().size()).isEqualTo(4);
        assertThat(cifar.test().label(0)).isEqualTo(7);
        assertThat(cifar.test().label(1)).isEqualTo(1);
        byte[] pixels = cifar.test().pixels();
        assertThat(pixels[0]).isEqualTo((byte) 1);
        assertThat(pixels[1023]).isEqualTo((byte) 1);
        assertThat(pixels[1024]).isEqualTo((byte) 2);
        assertThat(Byte.toUnsignedInt(pixels[2048])).isEqualTo(200);
        assertThat(cifar.classes()).containsExactlyElementsOf(Cifar10.CLASSES);
        // training records come in file order: data_batch_1 first
        assertThat(cifar.train().label(4)).isEqualTo(0);
    }

    @Test
    void refusesATruncatedFileWithAMessageNotACrash() throws IOException {
        CifarFixtures.writeDirectory(dir, 3, 1);
        byte[] bytes = Files.readAllBytes(dir.resolve("data_batch_3.bin"));
        Files.write(dir.resolve("data_batch_3.bin"), Arrays.copyOf(bytes, bytes.length - 100));

        assertThatThrownBy(() -> Cifar10Reader.read(dir))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessageContaining("data_batch_3.bin")
                .hasMessageContaining("truncated");
    }

    @Test
    void refusesALabelOutsideTheClasses() throws IOException {
        CifarFixtures.writeDirectory(dir, 2, 1);
        byte[] bytes = Files.readAllBytes(dir.resolve("test_batch.bin"));
        bytes[Cifar10.RECORD_BYTES] = 12;
        Files.write(dir.resolve("test_batch.bin"), bytes);

        assertThatThrownBy(() -> Cifar10Reader.read(dir))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessageContaining("label 12");
    }

    @Test
    void sourceExplainsAMissingDataSetWhenDownloadIsOff() {
        var source = new Cifar10Source(dir.resolve("nowhere"), null);

        assertThat(source.isAvailable()).isFalse();
        assertThatThrownBy(source::load)
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessageContaining("cnn.data-dir")
                .hasMessageContaining("cnn.dataset.download");
    }

    @Test
    void sourceFindsTheArchiveFolderInsideTheDataDirectory() {
        CifarFixtures.writeDirectory(dir.resolve("cifar-10-batches-bin"), 2, 1);

        var source = new Cifar10Source(dir, null);

        assertThat(source.location()).isEqualTo(dir.resolve("cifar-10-batches-bin"));
        assertThat(source.load().test().size()).isEqualTo(2);
    }
}
