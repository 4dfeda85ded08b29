package io.cnnlab.storage;

import io.cnnlab.CnnProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** cnn.storage.* binds to the store it names, refuses what cannot work, and defaults to a directory in cnn.home. */
class StoragePropertiesTest {

    @TempDir
    Path home;

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({StorageProperties.class, CnnProperties.class})
    @Import(StorageConfiguration.class)
    static class Storage {
    }

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
                .withUserConfiguration(Storage.class)
                .withPropertyValues("cnn.home=" + home);
    }

    @Test
    void unsetTheStoreIsTheDirectoryStorageUnderTheHome() {
        runner().run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(BlobStore.class).describe()).isEqualTo("directory " + home.resolve("storage"));
        });
        runner().withPropertyValues("cnn.storage.root=" + home.resolve("shared")).run(context ->
                assertThat(context.getBean(BlobStore.class).describe()).isEqualTo("directory " + home.resolve("shared")));
    }

    @Test
    void s3NamesItsBucketAndEndpoint() {
        runner().withPropertyValues("cnn.storage.type=s3", "cnn.storage.s3.bucket=models",
                        "cnn.storage.s3.endpoint=http://127.0.0.1:9", "cnn.storage.s3.prefix=cluster-a",
                        "cnn.storage.s3.access-key-id=id", "cnn.storage.s3.secret-access-key=secret")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(BlobStore.class).describe()).isEqualTo("bucket models under cluster-a/");
                    assertThat(context.getBean(StorageProperties.class).toString()).doesNotContain("secret");
                });
    }

    @Test
    void s3WithoutABucketOrWithHalfTheCredentialsIsRefusedAtStartUp() {
        runner().withPropertyValues("cnn.storage.type=s3").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("cnn.storage.s3.bucket"));
        runner().withPropertyValues("cnn.storage.type=s3", "cnn.storage.s3.bucket=models",
                        "cnn.storage.s3.access-key-id=id")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("cnn.storage.s3.access-key-id and cnn.storage.s3.secret-access-key go together"));
        runner().withPropertyValues("cnn.storage.type=ftp").run(context -> assertThat(context).hasFailed());
    }
}
