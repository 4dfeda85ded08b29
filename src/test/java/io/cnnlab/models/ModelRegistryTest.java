package io.cnnlab.models;

import io.cnnlab.CnnProperties;
import io.cnnlab.jobs.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The registry answers reads from memory; every change must show at once, and an uncommitted one never. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class ModelRegistryTest {

    @TempDir
    Path home;

    private final DataSource dataSource;
    private final TransactionTemplate transaction;

    ModelRegistryTest(TestDatabase database) {
        this.dataSource = database.dataSource();
        this.transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    private ModelRegistry registry() {
        return new ModelRegistry(new CnnProperties(home, home.resolve("data"), null), JdbcClient.create(dataSource),
                Clock.systemUTC(), event -> { });
    }

    private static ModelVersion register(ModelRegistry registry, String name) {
        return registry.register(name, "baseline", "IMPORTED", null, null, null, 10, List.of("a", "b"),
                new ByteArrayInputStream(new byte[]{1, 2, 3}));
    }

    @Test
    void aNameThatDiffersFromAnExistingOneOnlyInCaseIsRefused() {
        ModelRegistry registry = registry();
        register(registry, "cats");

        assertThatThrownBy(() -> register(registry, "Cats")).isInstanceOf(ModelConflictException.class)
                .hasMessageContaining("'Cats' differs from the existing model 'cats' only in case");
        assertThatThrownBy(() -> register(registry, "CATS")).isInstanceOf(ModelConflictException.class);
        assertThat(register(registry, "cats").version()).isEqualTo(2); // the same spelling is a new version
        assertThat(registry.models()).extracting(ModelRegistry.Model::name).containsExactly("cats");
    }

    @Test
    void aliasesAndDeletesShowOnTheNextRead() {
        ModelRegistry registry = registry();
        register(registry, "m");
        register(registry, "m");
        assertThat(registry.defaultVersion("m").version()).isEqualTo(2);

        registry.setAlias("m", ModelRegistry.PRODUCTION, 1);
        assertThat(registry.defaultVersion("m").version()).isEqualTo(1);
        assertThat(registry.byAlias("m", ModelRegistry.PRODUCTION).version()).isEqualTo(1);

        registry.setAlias("m", ModelRegistry.PRODUCTION, 2);
        registry.delete("m", 1);
        assertThatThrownBy(() -> registry.version("m", 1)).isInstanceOf(ModelNotFoundException.class);
        assertThat(registry.model("m").versions()).extracting(ModelVersion::version).containsExactly(2);
    }

    @Test
    void aVersionRegisteredInAnOpenTransactionIsInvisibleToOthersAndGoneAfterRollback() {
        ModelRegistry registry = registry();
        register(registry, "m");

        transaction.executeWithoutResult(status -> {
            assertThat(register(registry, "m").version()).isEqualTo(2);
            List<Integer> seenElsewhere = CompletableFuture.supplyAsync(() -> registry.model("m").versions().stream()
                    .map(ModelVersion::version).toList()).join();
            assertThat(seenElsewhere).containsExactly(1);
            status.setRollbackOnly();
        });

        assertThat(registry.model("m").versions()).extracting(ModelVersion::version).containsExactly(1);
        assertThatThrownBy(() -> registry.version("m", 2)).isInstanceOf(ModelNotFoundException.class);
    }

    /** Seen in a verify run: a poll of the model list during a job's registration made the registration fail. */
    @Test
    void aWriteReadsItsOwnRowsEvenWhenAnotherThreadCachedTheListMeanwhile() {
        ModelRegistry registry = registry();
        register(registry, "m");

        transaction.executeWithoutResult(status -> {
            register(registry, "m");
            CompletableFuture.runAsync(registry::models).join(); // another reader fills the cache: v1 only

            assertThat(registry.version("m", 2).version()).isEqualTo(2);
        });

        assertThat(registry.model("m").versions()).extracting(ModelVersion::version).containsExactly(2, 1);
    }
}
