package org.obnam.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class UsersAndProcTest {
    @Test
    void rootHasANameAndUnknownIdsHaveNone() {
        assertThat(Users.userName(0)).isEqualTo("root");
        assertThat(Users.groupName(0)).isEqualTo("root");
        assertThat(Users.userName(0)).isSameAs(Users.userName(0));
        assertThat(Users.userName(3_999_999_999L)).isEmpty();
        assertThat(Users.groupName(3_999_999_999L)).isEmpty();
        assertThat(Users.userName(-5)).isEmpty();
    }

    @Test
    void effectiveUidMatchesProc() throws IOException {
        String uidLine = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:"))
                .findFirst()
                .orElseThrow();
        long effective = Long.parseLong(uidLine.split("\\s+")[2]);
        assertThat(Users.effectiveUid()).isEqualTo(effective);
    }

    @Test
    void bootIdIsAUuid() throws IOException {
        assertThat(Proc.bootId()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    }

    @Test
    void workingDirectoryIsRawAndAbsolute() throws IOException {
        RawPath cwd = Proc.workingDirectory();
        assertThat(cwd.isAbsolute()).isTrue();
        // The build directory has an ASCII path, so user.dir is exact here.
        assertThat(cwd).isEqualTo(RawPath.ofUtf8(System.getProperty("user.dir")));
    }
}
