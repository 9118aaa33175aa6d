package org.obnam.architecture;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md section 8: data flows one way, cli → backup/restore/check → fs, chunking,
 * generation, repository → crypto, store. No package reaches upward.
 */
class LayeringTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.obnam");

    @Test
    void layersOnlyDependDownward() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("org.obnam.cli..")
                .layer("engines").definedBy("org.obnam.backup..", "org.obnam.restore..", "org.obnam.check..")
                .layer("repository").definedBy("org.obnam.repository..")
                .layer("generation").definedBy("org.obnam.generation..")
                .layer("parts").definedBy("org.obnam.fs..", "org.obnam.chunking..")
                .layer("crypto").definedBy("org.obnam.crypto..")
                .layer("store").definedBy("org.obnam.store..")
                .layer("config").definedBy("org.obnam.config..")
                .layer("server").definedBy("org.obnam.server..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("server").mayNotBeAccessedByAnyLayer()
                .whereLayer("engines").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("repository").mayOnlyBeAccessedByLayers("cli", "engines")
                .whereLayer("generation").mayOnlyBeAccessedByLayers("cli", "engines", "repository")
                .whereLayer("parts").mayOnlyBeAccessedByLayers("cli", "engines", "repository", "generation")
                .whereLayer("crypto").mayOnlyBeAccessedByLayers("cli", "engines", "repository", "generation")
                .whereLayer("store").mayOnlyBeAccessedByLayers("cli", "engines", "repository", "generation", "server")
                .whereLayer("config").mayOnlyBeAccessedByLayers("cli", "server")
                .check(MAIN);
    }

    @Test
    void commandsAreNotReachedFromEngines() {
        noClasses().that().resideInAnyPackage("org.obnam.backup..", "org.obnam.restore..", "org.obnam.check..")
                .should().dependOnClassesThat().resideInAnyPackage("picocli..")
                .because("engines know nothing of the terminal or the command line")
                .check(MAIN);
    }

    @Test
    void onlyTheServerUsesJacksonDatabind() {
        noClasses().that().resideOutsideOfPackage("org.obnam.server..")
                .should().dependOnClassesThat().resideInAnyPackage("com.fasterxml.jackson.databind..")
                .because("creating its first ObjectMapper costs every client command some 25 ms of start-up, and its"
                        + " classes an eighth of the client's AOT cache; the client uses jackson-core (JsonTree)")
                .check(MAIN);
    }

    @Test
    void fileSystemLayerKnowsNothingOfRepositories() {
        noClasses().that().resideInAPackage("org.obnam.fs..")
                .should().dependOnClassesThat().resideInAnyPackage("org.obnam.store..", "org.obnam.repository..",
                        "org.obnam.generation..", "org.obnam.crypto..")
                .check(MAIN);
    }
}
