package org.obnam.fs;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Names of tree entries must never pass through java.nio.file, whose Path/String conversions lose bytes. */
class ArchitectureTest {
    private static final JavaClasses FS = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.obnam.fs");

    @Test
    void onlyProcUsesJavaNioFile() {
        // Proc reads one fixed ASCII path under /proc; nothing else may.
        noClasses().that().doNotHaveSimpleName("Proc")
                .should().dependOnClassesThat().resideInAPackage("java.nio.file..")
                .check(FS);
    }

    @Test
    void fsDependsOnNoOtherObnamPackage() {
        // Data flows cli -> backup/restore -> fs: the file-system layer knows nothing above it.
        noClasses().should().dependOnClassesThat(
                        resideInAPackage("org.obnam..").and(resideOutsideOfPackage("org.obnam.fs")))
                .check(FS);
    }
}
