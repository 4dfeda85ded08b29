package io.cnnlab;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package boundaries the code keeps: features do not reach into each other's internals, the job queue knows
 * nothing of DL4J, the architectures nothing of Spring or HTTP, serving nothing of training, and {@code web/} only
 * maps HTTP to the features (no tensors, no layouts). Each rule names what it keeps out.
 */
class BoundariesTest {

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.cnnlab");
    }

    @Test
    void featurePackagesFormNoCycles() {
        slices().matching("io.cnnlab.(*)..").should().beFreeOfCycles().check(main);
    }

    @Test
    void theJobQueueKnowsNothingOfNetworksOrHttp() {
        noClasses().that().resideInAPackage("io.cnnlab.jobs..")
                .should().dependOnClassesThat().resideInAnyPackage("org.deeplearning4j..", "org.nd4j..",
                        "io.cnnlab.training..", "io.cnnlab.inference..", "io.cnnlab.architectures..",
                        "io.cnnlab.networks..", "io.cnnlab.datasets..", "io.cnnlab.web..", "jakarta.servlet..")
                .because("the queue, the worker pool and the store carry a job's plan opaquely")
                .check(main);
    }

    @Test
    void architecturesAndTheModelFormatArePlainDl4j() {
        noClasses().that().resideInAnyPackage("io.cnnlab.architectures..", "io.cnnlab.networks..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "jakarta.servlet..",
                        "io.cnnlab.web..", "io.cnnlab.jobs..", "io.cnnlab.training..", "io.cnnlab.inference..")
                .because("a network variant and its file format are DL4J configuration, usable without the service")
                .check(main);
    }

    @Test
    void servingDoesNotReachIntoTraining() {
        noClasses().that().resideInAPackage("io.cnnlab.inference..")
                .should().dependOnClassesThat().resideInAnyPackage("io.cnnlab.training..", "io.cnnlab.jobs..",
                        "io.cnnlab.web..")
                .because("serving reads model versions through the registry and the model format, not the trainer")
                .check(main);
    }

    @Test
    void trainingDoesNotReachIntoServingOrHttp() {
        noClasses().that().resideInAnyPackage("io.cnnlab.training..", "io.cnnlab.datasets..")
                .should().dependOnClassesThat().resideInAnyPackage("io.cnnlab.inference..", "io.cnnlab.web..")
                .check(main);
    }

    @Test
    void webOnlyMapsHttpToTheFeatures() {
        noClasses().that().resideInAPackage("io.cnnlab.web..")
                .should().dependOnClassesThat().resideInAnyPackage("org.deeplearning4j..", "org.nd4j..")
                .because("tensor layouts, decoding and preprocessing belong to inference and datasets")
                .check(main);
        ArchRule nobodyButWebUsesWeb = noClasses().that().resideOutsideOfPackage("io.cnnlab.web..")
                .should().dependOnClassesThat().resideInAPackage("io.cnnlab.web..");
        nobodyButWebUsesWeb.check(main);
    }

    /**
     * A public class must be used from another package of the service or by the benchmarks (src/bench, outside the
     * jar); one only its own package uses is an internal and stays package-private, so the next developer can change
     * it without reading the rest of the service.
     */
    @Test
    void internalsArePackagePrivate() {
        Set<String> usedElsewhere = new TreeSet<>();
        JavaClasses benchmarks = new ClassFileImporter().importPackages("io.cnnlab.benchmark");
        for (JavaClasses users : List.of(main, benchmarks)) {
            for (JavaClass user : users) {
                user.getDirectDependenciesFromSelf().stream()
                        .filter(d -> !d.getTargetClass().getPackageName().equals(user.getPackageName()))
                        .forEach(d -> usedElsewhere.add(d.getTargetClass().getName()));
                // a type that only travels through another package's calls (a parameter, a result) is used there too
                user.getMethodCallsFromSelf().stream()
                        .filter(call -> !call.getTargetOwner().getPackageName().equals(user.getPackageName()))
                        .forEach(call -> {
                            call.getTarget().getRawParameterTypes().forEach(t -> usedElsewhere.add(t.getName()));
                            usedElsewhere.add(call.getTarget().getRawReturnType().getName());
                        });
            }
        }
        Set<String> publicButOnlyUsedAtHome = new TreeSet<>();
        for (JavaClass type : main) {
            if (type.getModifiers().contains(JavaModifier.PUBLIC) && !type.isNestedClass() && !isEntryPoint(type)
                    && !usedElsewhere.contains(type.getName())) {
                publicButOnlyUsedAtHome.add(type.getName());
            }
        }
        assertThat(publicButOnlyUsedAtHome).as("public classes that nothing outside their package uses").isEmpty();
    }

    /** Classes other code does not call but the platform does: main, and ND4J's provider named by a property. */
    private static boolean isEntryPoint(JavaClass type) {
        return List.of(Application.class.getName(), "io.cnnlab.nativeruntime.CachingShapeInfoProvider",
                "org.nd4j.nativeblas.Nd4jCpu").contains(type.getName());
    }
}
