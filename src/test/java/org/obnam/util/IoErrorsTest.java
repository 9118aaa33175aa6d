package org.obnam.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failed file operations read as "PATH: what went wrong", never as the bare path. */
class IoErrorsTest {
    @TempDir
    Path dir;

    private static IOException failure(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            return e;
        }
        throw new AssertionError("the operation did not fail");
    }

    private interface IoAction {
        void run() throws IOException;
    }

    @Test
    void missingFileSaysNoSuchFile() {
        Path missing = dir.resolve("missing");

        IOException e = failure(() -> Files.readAllBytes(missing));

        assertThat(e.getMessage()).as("the problem this class exists for").isEqualTo(missing.toString());
        assertThat(IoErrors.describe(e)).isEqualTo(missing + ": no such file or directory");
        assertThat(IoErrors.describe(e, missing)).isEqualTo("no such file or directory");
    }

    @Test
    void existingFileWhereADirectoryIsWantedSaysFileExists() throws IOException {
        Path file = Files.createFile(dir.resolve("afile"));

        IOException e = failure(() -> Files.createDirectory(file));

        assertThat(IoErrors.describe(e)).isEqualTo(file + ": file exists");
    }

    @Test
    void fileUsedAsADirectorySaysNotADirectory() throws IOException {
        Path file = Files.createFile(dir.resolve("afile"));
        Path below = file.resolve("x");

        IOException e = failure(() -> Files.createFile(below));

        assertThat(IoErrors.describe(e)).isEqualTo(below + ": not a directory");
    }

    @Test
    void directoryWrittenAsAFileSaysIsADirectory() {
        IOException e = failure(() -> Files.write(dir, new byte[1]));

        assertThat(IoErrors.describe(e)).isEqualTo(dir + ": is a directory");
        assertThat(IoErrors.describe(e, dir)).isEqualTo("is a directory");
    }

    @Test
    void unreadableFileSaysPermissionDenied() throws IOException {
        Path secret = Files.writeString(dir.resolve("secret"), "x");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        // root reads anything; the exception is then the one Java throws for EACCES
        IOException e = Files.isReadable(secret) ? new AccessDeniedException(secret.toString())
                : failure(() -> Files.readAllBytes(secret));

        assertThat(IoErrors.describe(e)).isEqualTo(secret + ": permission denied");
    }

    @Test
    void oldStyleFileNotFoundIsRewordedTheSameWay() {
        Path missing = dir.resolve("missing");

        IOException e = failure(() -> new FileInputStream(missing.toFile()).close());

        assertThat(IoErrors.describe(e)).isEqualTo(missing + ": no such file or directory");
        assertThat(IoErrors.describe(e, missing)).isEqualTo("no such file or directory");
    }

    @Test
    void problemWithAnotherFileStillNamesIt() throws IOException {
        Path file = Files.createFile(dir.resolve("afile"));
        Path below = file.resolve("x");

        IOException e = failure(() -> Files.readAllBytes(below));

        assertThat(IoErrors.describe(e, dir.resolve("other"))).isEqualTo(below + ": not a directory");
    }

    @Test
    void twoPathsAreBothNamed() {
        IOException e = new FileSystemException("/a", "/b", "Invalid cross-device link");

        assertThat(IoErrors.describe(e)).isEqualTo("/a -> /b: invalid cross-device link");
    }

    @Test
    void directoryReadAsAFileSaysIsADirectory() {
        IOException e = failure(() -> Files.readAllBytes(dir));

        assertThat(IoErrors.describe(e, dir)).isEqualTo("is a directory");
    }

    @Test
    void exceptionsWithoutAFileKeepTheirMessage() {
        assertThat(IoErrors.describe(new IOException("open /x: Permission denied (EACCES)")))
                .isEqualTo("open /x: Permission denied (EACCES)");
        assertThat(IoErrors.describe(new java.io.EOFException("Unexpected end"))).isEqualTo("Unexpected end");
        assertThat(IoErrors.describe(new IOException())).isEqualTo("IOException");
        assertThat(IoErrors.describe(new FileSystemException("/x", null, "TLS broke"))).isEqualTo("/x: TLS broke");
    }
}
