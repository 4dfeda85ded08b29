package io.cnnlab.models;

import io.cnnlab.jobs.TestDatabase;
import io.cnnlab.storage.TestStores;
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
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
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

    private final TestDatabase database;
    private final DataSource dataSource;
    private final TransactionTemplate transaction;

    ModelRegistryTest(TestDatabase database) {
        this.database = database;
        this.dataSource = database.dataSource();
        this.transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    private ModelRegistry registry() {
        return new ModelRegistry(TestStores.directory(home), JdbcClient.create(dataSource), false,
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

    /** A trained version keeps its data set, the version it was fine-tuned from and up to 1,000 labels; imports none. */
    @Test
    void aVersionRecordsItsDataSetAndWhereItCameFrom() {
        ModelRegistry registry = registry();
        ModelVersion imported = register(registry, "base");
        List<String> thousand = java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "class-" + i).toList();

        ModelVersion tuned = registry.register("tuned", "baseline", "TRAINED", null, 5L, 0.9, 10, thousand, null,
                "3f2a1e4c-0000-4000-8000-000000000000", new InitFrom("base", 1), new ByteArrayInputStream(new byte[]{1}));

        assertThat(imported.dataset()).isNull();
        assertThat(imported.initFrom()).isNull();
        ModelVersion read = registry().version("tuned", tuned.version());
        assertThat(read.dataset()).isEqualTo("3f2a1e4c-0000-4000-8000-000000000000");
        assertThat(read.initFrom()).isEqualTo(new InitFrom("base", 1));
        assertThat(read.labels()).isEqualTo(thousand);
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
    @Test
    void versionNumbersAreNeverGivenTwiceNotAfterDeletingTheNewestNorAfterDeletingTheModel() {
        ModelRegistry registry = registry();
        register(registry, "m");
        register(registry, "m");
        registry.delete("m", 2);

        assertThat(register(registry, "m").version()).isEqualTo(3);

        registry.deleteModel("m");
        assertThatThrownBy(() -> registry.model("m")).isInstanceOf(ModelNotFoundException.class);
        assertThat(register(registry, "m").version()).isEqualTo(4);
        assertThat(register(registry, "other").version()).as("each name counts on its own").isEqualTo(1);
    }

    @Test
    void aModelRegisteredBeforeTheUpgradeContinuesFromItsNewestVersion() {
        DataSource upgraded = database.empty();
        TestDatabase.migrate(upgraded, "3");
        JdbcClient jdbc = JdbcClient.create(upgraded);
        for (int version : new int[]{1, 5}) {
            jdbc.sql("insert into model_version (name, version, architecture, source, parameters, labels, file_name, "
                            + "size_bytes, sha256, created_at) values ('old', ?, 'baseline', 'IMPORTED', 10, 'a', ?, 3, ?, ?)")
                    .params(version, "v" + version + ".zip", "ab".repeat(32), Timestamp.from(Instant.now()))
                    .update();
        }
        TestDatabase.migrate(upgraded, "latest");
        ModelRegistry registry = new ModelRegistry(TestStores.directory(home),
                JdbcClient.create(upgraded), false, Clock.systemUTC(), event -> { });

        assertThat(registry.version("old", 5).uploadSha256()).as("versions from before the upgrade").isNull();
        assertThat(register(registry, "old").version()).isEqualTo(6);
    }

    @Test
    void deletingAModelRemovesItsVersionsAliasesAndFiles() {
        ModelRegistry registry = registry();
        ModelVersion v1 = register(registry, "m");
        ModelVersion v2 = register(registry, "m");
        registry.setAlias("m", ModelRegistry.PRODUCTION, 1);
        register(registry, "kept");

        registry.deleteModel("m");

        assertThat(registry.models()).extracting(ModelRegistry.Model::name).containsExactly("kept");
        assertThat(home.resolve(registry.key(v1))).doesNotExist();
        assertThat(home.resolve(registry.key(v2))).doesNotExist();
        assertThat(home.resolve("models").resolve("m")).doesNotExist();
        assertThat(JdbcClient.create(dataSource).sql("select count(*) from model_alias").query(Integer.class).single())
                .isZero();
        assertThatThrownBy(() -> registry.deleteModel("m")).isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void aModelAQueuedOrRunningJobWillRegisterIntoCannotBeDeleted() {
        ModelRegistry registry = registry();
        register(registry, "m");
        JdbcClient jdbc = JdbcClient.create(dataSource);
        String[] states = {"QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"};
        for (int i = 0; i < states.length; i++) {
            jdbc.sql("insert into training_job (id, architecture, model_name, state, plan, created_at) "
                            + "values (?, 'baseline', 'm', ?, '{}', ?)")
                    .params("job-" + states[i].toLowerCase(), states[i],
                            Timestamp.from(Instant.parse("2026-11-27T10:00:00Z").plusSeconds(i)))
                    .update();
        }

        assertThatThrownBy(() -> registry.deleteModel("m")).isInstanceOf(ModelConflictException.class)
                .hasMessageContaining("2 queued or running training job(s) (job-queued, job-running)");
        assertThat(registry.model("m").versions()).hasSize(1);
        assertThat(home.resolve(registry.key(registry.version("m", 1)))).exists();

        jdbc.sql("update training_job set state = 'CANCELLED' where state in ('QUEUED', 'RUNNING')").update();
        registry.deleteModel("m");
        assertThat(registry.models()).isEmpty();
    }

    @Test
    void aVersionAQueuedOrRunningJobFineTunesFromIsKept() {
        ModelRegistry registry = registry();
        register(registry, "m");
        register(registry, "m");
        JdbcClient jdbc = JdbcClient.create(dataSource);
        jdbc.sql("insert into training_job (id, architecture, model_name, state, plan, created_at, init_from_model, "
                        + "init_from_version) values ('job-tuning', 'baseline', 'other', 'QUEUED', '{}', ?, 'm', 1)")
                .param(Timestamp.from(Instant.parse("2026-11-27T10:00:00Z"))).update();

        assertThatThrownBy(() -> registry.delete("m", 1)).isInstanceOf(ModelConflictException.class)
                .hasMessageContaining("model 'm' v1 is what 1 queued or running training job(s) (job-tuning) fine-tune from");
        assertThatThrownBy(() -> registry.deleteModel("m")).isInstanceOf(ModelConflictException.class)
                .hasMessageContaining("(job-tuning) fine-tune from a version of model 'm'");
        registry.delete("m", 2);
        assertThat(registry.model("m").versions()).extracting(ModelVersion::version).containsExactly(1);

        jdbc.sql("update training_job set state = 'SUCCEEDED' where id = 'job-tuning'").update();
        registry.delete("m", 1);
        assertThatThrownBy(() -> registry.version("m", 1)).isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void aFailedDeleteKeepsTheFilesOfTheVersionsItWouldHaveRemoved() {
        ModelRegistry registry = registry();
        ModelVersion v1 = register(registry, "m");

        transaction.executeWithoutResult(status -> {
            registry.deleteModel("m");
            status.setRollbackOnly();
        });

        assertThat(registry.model("m").versions()).extracting(ModelVersion::version).containsExactly(1);
        assertThat(home.resolve(registry.key(v1))).exists();
    }

    @Test
    void removingProductionMakesTheNewestTheDefaultAgain() {
        ModelRegistry registry = registry();
        register(registry, "m");
        register(registry, "m");
        registry.setAlias("m", ModelRegistry.PRODUCTION, 1);
        assertThat(registry.defaultVersion("m").version()).isEqualTo(1);

        registry.deleteAlias("m", ModelRegistry.PRODUCTION);

        assertThat(registry.defaultVersion("m").version()).isEqualTo(2);
        assertThat(registry.version("m", 1).aliases()).isEmpty();
        assertThatThrownBy(() -> registry.deleteAlias("m", ModelRegistry.PRODUCTION))
                .isInstanceOf(ModelNotFoundException.class).hasMessage("model 'm' has no alias 'production'");
        assertThatThrownBy(() -> registry.deleteAlias("ghost", ModelRegistry.PRODUCTION))
                .isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void anImportKeepsTheDigestOfWhatWasUploadedBesideTheStoredFilesOwn() {
        ModelRegistry registry = registry();
        String uploaded = "cd".repeat(32);

        ModelVersion imported = registry.register("m", "baseline", "IMPORTED", null, null, null, 10, List.of("a"),
                uploaded, new ByteArrayInputStream(new byte[]{1, 2, 3}));

        assertThat(imported.uploadSha256()).isEqualTo(uploaded);
        // sha256 of the stored bytes {1, 2, 3}
        assertThat(imported.sha256()).isEqualTo("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81");
        assertThat(registry.version("m", 1).uploadSha256()).isEqualTo(uploaded);
        assertThat(register(registry, "m").uploadSha256()).isNull();
    }
}
