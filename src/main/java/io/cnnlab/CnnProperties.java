package io.cnnlab;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.net.URI;
import java.nio.file.Path;

/**
 * Where the service keeps its state and finds its data.
 *
 * @param home    state directory: database, checkpoints, models ({@code cnn.home})
 * @param dataDir CIFAR-10 directory: the batch files or a {@code cifar-10-batches-bin} folder ({@code cnn.data-dir});
 *                unset, {@code data/cifar-10} under {@code home}, so moving the state directory moves the data with it
 * @param dataset how to fetch CIFAR-10 when it is missing ({@code cnn.dataset.*})
 */
@Validated
@ConfigurationProperties("cnn")
public record CnnProperties(@NotNull @DefaultValue("./cnn-home") Path home,
                            Path dataDir,
                            @Valid @DefaultValue Dataset dataset) {

    public CnnProperties {
        if (dataDir == null && home != null) {
            dataDir = home.resolve("data").resolve("cifar-10");
        }
    }

    /**
     * @param download fetch the official archive when the data directory lacks the set
     * @param url      where to fetch it from (a mirror may be set here)
     * @param md5      its expected MD5
     */
    public record Dataset(@DefaultValue("true") boolean download,
                          @NotNull @DefaultValue("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz") URI url,
                          @NotNull @DefaultValue("c32a1d4ab5d03f1284b67883e8d87530") String md5) {
    }
}
