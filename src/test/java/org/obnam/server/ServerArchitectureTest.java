package org.obnam.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** DESIGN.md section 8: server reaches only store and config; store reaches no package above it. */
class ServerArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.obnam");

    private static final String[] CLIENT_SIDE = {"org.obnam.cli..", "org.obnam.crypto..", "org.obnam.fs..",
        "org.obnam.chunking..", "org.obnam.backup..", "org.obnam.restore..", "org.obnam.repository..",
        "org.obnam.generation.."};

    @Test
    void serverDependsOnlyOnStoreAndConfig() {
        noClasses().that().resideInAPackage("org.obnam.server..")
                .should().dependOnClassesThat().resideInAnyPackage(CLIENT_SIDE)
                .because("the server never sees plaintext, files or keys")
                .check(MAIN);
    }

    @Test
    void storeDoesNotReachUpward() {
        noClasses().that().resideInAPackage("org.obnam.store..")
                .should().dependOnClassesThat().resideInAPackage("org.obnam.server..")
                .orShould().dependOnClassesThat().resideInAnyPackage(CLIENT_SIDE)
                .check(MAIN);
    }

    @Test
    void configDependsOnNothingOfOurs() {
        noClasses().that().resideInAPackage("org.obnam.config..")
                .should().dependOnClassesThat().resideInAnyPackage("org.obnam.server..", "org.obnam.store..")
                .orShould().dependOnClassesThat().resideInAnyPackage(CLIENT_SIDE)
                .check(MAIN);
    }
}
