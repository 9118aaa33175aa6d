package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.ExternalCommand.Result;
import org.obnam.testing.Obnam;
import org.obnam.testing.Tree;

/**
 * {@code obnam check} on a local repository where one object file was cut short, emptied (as a
 * crash can leave it), or where a stray file lies among the objects. Check once gave up at the
 * first such file ("cannot list objects in REPO: object file is truncated"), naming nothing; it
 * must name the object and what is wrong with it, name each file it affects, check everything
 * else, and exit 1; a stray file is a note, and no problem.
 */
class ObnamCheckDamagedObjectsIT {
    @TempDir
    Path dir;

    private Obnam obnam;
    private Tree live;
    /** The objects holding the victim's data, and nothing of the other files. */
    private List<Path> victimObjects;

    /**
     * The victim is backed up first, alone, so that its data has objects of its own; the second
     * backup stores the small files in new objects and reuses the victim's unchanged chunks.
     */
    @BeforeEach
    void twoBackups() throws IOException {
        obnam = Obnam.in(dir);
        live = Tree.at(dir.resolve("live"));
        obnam.configure("roots: [live]");
        obnam.initialised();
        live.file("victim.dat", Tree.randomBytes(512 * 1024));
        obnam.backup();
        victimObjects = objectFiles().stream().filter(p -> size(p) > 128 * 1024).toList();
        assertThat(victimObjects).as("objects holding the victim's data").isNotEmpty();
        live.file("a-small.dat", Tree.randomBytes(3000));
        live.file("z/small.dat", Tree.randomBytes(4000));
        obnam.backup();
        obnam.ok("check", "--read-data");
    }

    @Test
    void aTruncatedObjectIsNamedWithTheFilesItAffects() throws Exception {
        Path victim = victimObjects.getFirst();
        try (FileChannel ch = FileChannel.open(victim, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2); // as `truncate -s` does
        }
        expectDamageNamed(victim, "is truncated: it has " + size(victim) + " bytes, its header promises");
    }

    @Test
    void anEmptyObjectIsNamedWithTheFilesItAffects() throws Exception {
        Path victim = victimObjects.getFirst();
        Files.write(victim, new byte[0]); // as `: > FILE` does
        expectDamageNamed(victim, "is empty");
    }

    @Test
    void anObjectOverwrittenWithSomethingElseIsNamedWithTheFilesItAffects() throws Exception {
        Path victim = victimObjects.getFirst();
        Files.writeString(victim, "not what was stored here\n".repeat(10));
        expectDamageNamed(victim, "is not an Obnam object file");
    }

    @Test
    void aStrayFileAmongTheObjectsIsANoteAndNoProblem() throws Exception {
        Path some = objectFiles().getFirst();
        String fan = some.getParent().getFileName().toString();
        assertThat(fan).as("hex, so never where an object named junk would be").isNotEqualTo("ju");
        Path junk = some.resolveSibling("junk"); // `echo hi > objects/52/junk`
        Files.writeString(junk, "hi\n");

        for (String[] command : List.of(new String[] {"check"}, new String[] {"check", "--read-data"})) {
            Result check = obnam.ok(command);
            assertThat(check.stdout()).as(check.describe())
                    .contains("note: stray file " + junk + " is not an object (not in objects/ju/, where an object of that name is kept)")
                    .doesNotContain("damaged")
                    .contains("no problems found");
        }
        assertThat(Files.readString(junk)).as("check leaves stray files alone").isEqualTo("hi\n");
    }

    @Test
    void afterAnEmptyObjectTheDocumentedRepairMakesTheNextBackupWholeAgain() throws Exception {
        for (Path p : victimObjects) {
            Files.write(p, new byte[0]);
        }
        Result check = obnam.run("check");
        check.expectExit(1);
        assertThat(check.stdout()).as(check.describe()).contains("victim.dat");

        // The steps of the user guide's "Repairing" section, for a local repository.
        try (Stream<Path> index = Files.list(obnam.repository())) {
            for (Path p : index.filter(p -> p.getFileName().toString().startsWith("index.sqlite")).toList()) {
                Files.delete(p);
            }
        }
        Files.setLastModifiedTime(live.path("victim.dat"), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
        obnam.backup();

        obnam.ok("restore", "latest", "rest");
        assertThat(dir.resolve("rest/live/victim.dat")).hasSameBinaryContentAs(live.path("victim.dat"));
        Result after = obnam.run("check");
        after.expectExit(1);
        assertThat(after.stdout()).as("older generations stay damaged: " + after.describe())
                .contains("victim.dat").contains("checked 3 generations");
    }

    @Test
    void twoAuthenticObjectsSwappedAreFoundWithAndWithoutReadingTheData() throws Exception {
        // Each object verifies on its own (its chunks match its own metadata), so only the
        // generations' references show that a restore would fail (threat model: swapped chunks).
        live.file("twin-a.dat", Tree.randomBytes(100_000));
        Set<Path> before = Set.copyOf(objectFiles());
        obnam.backup();
        Path a = newObjectOfTheTwinsSize(before);
        live.file("twin-b.dat", Tree.randomBytes(100_000));
        before = Set.copyOf(objectFiles());
        obnam.backup();
        Path b = newObjectOfTheTwinsSize(before);
        assertThat(size(a)).isEqualTo(size(b));
        byte[] aBytes = Files.readAllBytes(a);
        Files.write(a, Files.readAllBytes(b));
        Files.write(b, aBytes);

        for (String[] command : List.of(new String[] {"check"}, new String[] {"check", "--read-data"})) {
            Result check = obnam.run(command);
            check.expectExit(1);
            assertThat(check.stdout()).as(check.describe())
                    .containsPattern("damaged: generation [0-9a-f]+: file [^\n]*twin-a\\.dat: chunk [0-9a-f]+ is not in object "
                            + a.getFileName() + ": the object's metadata has another chunk, or none, at offset 0"
                            + " \\(the object was replaced or swapped with another\\)")
                    .containsPattern("file [^\n]*twin-b\\.dat: chunk [0-9a-f]+ is not in object " + b.getFileName())
                    .doesNotContain("victim.dat").doesNotContain("a-small.dat");
        }
        Result restore = obnam.run("restore", "latest", "rest");
        restore.expectExit(1);
        assertThat(restore.stderr()).as(restore.describe()).contains("twin-a.dat").contains("twin-b.dat");
    }

    /** The object a backup just made for a 100,000-byte file: the one new object a little bigger than it. */
    private Path newObjectOfTheTwinsSize(Set<Path> before) throws IOException {
        List<Path> made = objectFiles().stream().filter(p -> !before.contains(p))
                .filter(p -> size(p) > 100_000 && size(p) < 101_000).toList();
        assertThat(made).hasSize(1);
        return made.getFirst();
    }

    private void expectDamageNamed(Path victim, String what) {
        String id = victim.getFileName().toString();
        for (String[] command : List.of(new String[] {"check"}, new String[] {"check", "--read-data"})) {
            Result check = obnam.run(command);
            check.expectExit(1);
            assertThat(check.stdout()).as(check.describe())
                    .contains("damaged: object " + id + ": object " + id + " in " + obnam.repository() + " " + what)
                    .containsPattern("damaged: generation [0-9a-f]+: file [^\n]*victim\\.dat: chunk [0-9a-f]+ is damaged \\(object "
                            + id + "\\)")
                    .doesNotContain("a-small.dat")
                    .contains("checked 2 generations");
            assertThat(check.stderr()).as(check.describe()).contains("the repository has").doesNotContain("cannot list objects");
            if (command.length == 2) {
                assertThat(check.stdout()).as("the other objects are still read: " + check.describe())
                        .containsPattern("read and verified [1-9][0-9]* chunks");
            }
        }
    }

    private List<Path> objectFiles() throws IOException {
        try (Stream<Path> all = Files.walk(obnam.repository().resolve("objects"))) {
            return all.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
