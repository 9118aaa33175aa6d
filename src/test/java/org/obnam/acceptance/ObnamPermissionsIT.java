package org.obnam.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.testing.ExternalCommand.Result;
import org.obnam.testing.Obnam;
import org.obnam.testing.TestUsers;
import org.obnam.testing.Tree;

/**
 * Rust Obnam's "Unreadable file", "Unreadable directory" and "Unexecutable directory", with our
 * contract (DESIGN sections 3 and 4): the problem is reported on stderr as it happens and again on
 * stdout, the rest of the backup is made, and the exit code is 3. Obnam runs as an unprivileged
 * user (see {@link TestUsers}), because root reads everything.
 */
class ObnamPermissionsIT {
    @TempDir
    Path dir;

    private Obnam obnam;
    private Tree live;
    private TestUsers.User user;

    @BeforeEach
    void setUp() throws Exception {
        user = TestUsers.unprivileged();
        assertThat(user.isUnprivileged()).as("permission scenarios must not run Obnam as root").isTrue();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        obnam = Obnam.in(dir).as(user);
        live = Tree.at(dir.resolve("live"));
        obnam.configure("roots: [live]");
        obnam.initialised();
    }

    @AfterEach
    void makeDeletable() {
        Tree.makeDeletable(dir);
    }

    private static int permissions(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    @Test
    void restoringAgainOverReadOnlyAndInaccessibleDirectoriesWorks() throws Exception {
        live.randomFile("ro/data.dat", 1000);
        live.randomFile("closed/data.dat", 1000);
        user.own(dir);
        live.mode("ro", 0500);
        String gen = obnam.backup().generationId();
        live.mode("ro", 0700); // so the test can clean up
        obnam.ok("restore", gen, "rest");
        Path restoredLive = dir.resolve("rest/live");
        assertThat(permissions(restoredLive.resolve("ro"))).isEqualTo(0500);
        Files.setPosixFilePermissions(restoredLive.resolve("closed"), PosixFilePermissions.fromString("---------"));

        // As the user: the first restore made ro read-only, and closed cannot even be entered.
        obnam.ok("restore", gen, "rest");

        assertThat(restoredLive.resolve("ro/data.dat")).hasBinaryContent(Files.readAllBytes(live.path("ro/data.dat")));
        assertThat(permissions(restoredLive.resolve("ro"))).isEqualTo(0500);
        assertThat(permissions(restoredLive.resolve("closed"))).isEqualTo(permissions(live.path("closed")));
        assertThat(restoredLive.resolve("closed/data.dat")).hasBinaryContent(Files.readAllBytes(live.path("closed/data.dat")));
    }

    @Test
    void unreadableFileIsReportedAndSkippedAndTheRestIsBackedUp() throws Exception {
        byte[] data = Tree.randomBytes(2000);
        live.file("data.dat", data);
        live.randomFile("bad.dat", 2000);
        user.own(dir);
        live.mode("bad.dat", 0);

        Result backup = obnam.runBackup();

        backup.expectExit(3);
        assertThat(backup.stderr()).as(backup.describe()).contains("live/bad.dat");
        assertThat(backup.stdoutLines()).as(backup.describe())
                .anyMatch(l -> l.startsWith("warning: ") && l.contains("live/bad.dat"));
        String gen = Obnam.Backup.of(backup).generationId();
        obnam.ok("restore", gen, "rest");
        assertThat(dir.resolve("rest/live/data.dat")).hasBinaryContent(data);
        assertThat(dir.resolve("rest/live/bad.dat")).doesNotExist();
    }

    @Test
    void unreadableDirectoryIsReportedAndRestoredWithoutItsContents() throws Exception {
        live.randomFile("data.dat", 1000);
        live.randomFile("unreadable/data.dat", 1000);
        user.own(dir);
        live.mode("unreadable", 0);

        Result backup = obnam.runBackup();

        backup.expectExit(3);
        assertThat(backup.stdoutLines()).as(backup.describe())
                .anyMatch(l -> l.startsWith("warning: ") && l.contains("live/unreadable"));
        assertThat(backup.stderr()).as(backup.describe()).contains("live/unreadable");
        String gen = Obnam.Backup.of(backup).generationId();
        obnam.ok("restore", gen, "rest");
        Path restored = dir.resolve("rest/live/unreadable");
        assertThat(restored).isDirectory();
        assertThat(permissions(restored)).as("restored directory's mode").isEqualTo(0);
        assertThat(dir.resolve("rest/live/data.dat")).exists();
        Tree.makeDeletable(dir.resolve("rest"));
        assertThat(restored.resolve("data.dat")).doesNotExist();
    }

    @Test
    void unexecutableDirectoryIsReportedAndRestoredWithoutItsContents() throws Exception {
        live.randomFile("data.dat", 1000);
        live.randomFile("dir/data.dat", 1000);
        user.own(dir);
        live.mode("dir", 0600);

        Result backup = obnam.runBackup();

        backup.expectExit(3);
        assertThat(backup.stdoutLines()).as(backup.describe())
                .anyMatch(l -> l.startsWith("warning: ") && l.contains("live/dir"));
        assertThat(backup.stderr()).as(backup.describe()).contains("live/dir");
        String gen = Obnam.Backup.of(backup).generationId();
        obnam.ok("restore", gen, "rest");
        Path restored = dir.resolve("rest/live/dir");
        assertThat(restored).isDirectory();
        assertThat(permissions(restored)).as("restored directory's mode").isEqualTo(0600);
        assertThat(dir.resolve("rest/live/data.dat")).exists();
        Tree.makeDeletable(dir.resolve("rest"));
        assertThat(restored.resolve("data.dat")).doesNotExist();
    }

    @Test
    void fileThatBecomesUnreadableAfterABackupIsReportedInTheNextOne() throws Exception {
        byte[] data = Tree.randomBytes(2000);
        live.file("data.dat", data);
        live.randomFile("later-bad.dat", 2000);
        user.own(dir);
        obnam.backup();
        live.mode("later-bad.dat", 0);

        Result backup = obnam.runBackup();

        backup.expectExit(3);
        assertThat(backup.stderr()).as(backup.describe()).contains("live/later-bad.dat");
        assertThat(obnam.ok("list-files").stdoutLines()).contains("- live/data.dat (unchanged)");
    }
}
