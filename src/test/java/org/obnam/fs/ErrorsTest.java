package org.obnam.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ErrorsTest {
    @TempDir
    Path tmp;

    private Dir dir;
    private RawPath top;

    @BeforeEach
    void open() throws IOException {
        top = RawPath.ofUtf8(tmp.toString());
        dir = Dir.open(top);
    }

    @AfterEach
    void close() {
        dir.close();
    }

    private static RawName n(String s) {
        return RawName.ofUtf8(s);
    }

    @Test
    void missingEntryIsEnoentWithThePathInTheMessage() {
        RawName missing = RawName.of(new byte[] {'m', 'i', 's', 's', (byte) 0xff});
        ErrnoException e = catchThrowableOfType(ErrnoException.class, () -> dir.lstat(missing));
        assertThat(e.errno()).isEqualTo(ErrnoException.ENOENT);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.path()).isEqualTo(tmp + "/miss\\xff");
        assertThat(e.operation()).isEqualTo("lstat");
        assertThat(e).hasMessage("lstat " + tmp + "/miss\\xff: No such file or directory (ENOENT)");
        assertThat(dir.exists(missing)).isFalse();
    }

    @Test
    void everyEntryOperationReportsTheFullPath() {
        RawName missing = n("gone");
        String path = tmp + "/gone";
        assertThatThrownBy(() -> dir.openRead(missing)).hasMessage("open " + path + ": No such file or directory (ENOENT)");
        assertThatThrownBy(() -> dir.openDir(missing)).hasMessageContaining(path);
        assertThatThrownBy(() -> dir.readlink(missing)).hasMessageStartingWith("readlink " + path);
        assertThatThrownBy(() -> dir.xattrs(missing)).hasMessageStartingWith("listxattr " + path);
        assertThatThrownBy(() -> dir.unlink(missing)).hasMessageStartingWith("unlink " + path);
        assertThatThrownBy(() -> dir.setTimes(missing, null, new Timespec(1, 0))).hasMessageStartingWith("utimensat " + path);
        assertThatThrownBy(() -> Dir.open(top.resolve(missing)))
                .isInstanceOf(ErrnoException.class)
                .hasMessage("open " + path + ": No such file or directory (ENOENT)");
    }

    @Test
    void openDirDoesNotFollowASymlinkToADirectory() throws IOException {
        dir.createDir(n("real"), 0755).close();
        dir.symlink("real".getBytes(), n("link"));
        ErrnoException e = catchThrowableOfType(ErrnoException.class, () -> dir.openDir(n("link")));
        assertThat(e.errno()).isIn(ErrnoException.ELOOP, ErrnoException.ENOTDIR);
        // Dir.open, for roots given by the user, does follow it.
        try (Dir followed = Dir.open(top.resolve(n("link")))) {
            assertThat(followed.stat().inode()).isEqualTo(dir.lstat(n("real")).inode());
        }
    }

    @Test
    void openReadRefusesSymlinks() throws IOException {
        try (OpenFile f = dir.createFile(n("file"), 0644)) {
            f.write(new byte[] {1}, 0, 1);
        }
        dir.symlink("file".getBytes(), n("link"));
        ErrnoException e = catchThrowableOfType(ErrnoException.class, () -> dir.openRead(n("link")));
        assertThat(e.errno()).isEqualTo(ErrnoException.ELOOP);
        assertThat(e.errnoName()).isEqualTo("ELOOP");
        ErrnoException create = catchThrowableOfType(ErrnoException.class, () -> dir.createFile(n("link"), 0644));
        assertThat(create.errno()).isEqualTo(ErrnoException.ELOOP);
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 10, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void openReadRefusesWhatIsNoLongerARegularFileWithoutWaitingForIt() throws IOException {
        // A backup lstats a name, then opens it; a FIFO put in its place meanwhile made the
        // open wait for a writer forever.
        dir.mkfifo(n("pipe"), 0644);
        NotRegularFileException e = catchThrowableOfType(NotRegularFileException.class, () -> dir.openRead(n("pipe")));
        assertThat(e.type()).isEqualTo(FileType.FIFO);
        assertThat(e).hasMessage("open " + dir.path().resolve(n("pipe")) + ": no longer a regular file (now a named pipe)");
        dir.createDir(n("sub"), 0755).close();
        assertThat(catchThrowableOfType(NotRegularFileException.class, () -> dir.openRead(n("sub"))).type())
                .isEqualTo(FileType.DIRECTORY);
        try (OpenFile f = dir.createFile(n("file"), 0644)) {
            f.write(new byte[] {1, 2, 3}, 0, 3);
        }
        try (OpenFile f = dir.openRead(n("file"))) {
            assertThat(f.openedStat().size()).isEqualTo(3);
            assertThat(f.openedStat().inode()).isEqualTo(dir.lstat(n("file")).inode());
        }
    }

    @Test
    void chmodNeverReachesASymlinkTarget() throws IOException {
        try (OpenFile f = dir.createFile(n("file"), 0644)) {
            f.chmod(0644);
        }
        dir.symlink("file".getBytes(), n("link"));
        assertThatThrownBy(() -> dir.chmod(n("link"), 0777)).isInstanceOf(ErrnoException.class);
        assertThat(dir.lstat(n("file")).permissions()).isEqualTo(0644);
        dir.chmod(n("file"), 04711);
        assertThat(dir.lstat(n("file")).permissions()).isEqualTo(04711);
    }

    @Test
    void openDirOnAFileIsEnotdirAndCreateDirOverAFileIsEexist() throws IOException {
        dir.createFile(n("file"), 0644).close();
        assertThat(catchThrowableOfType(ErrnoException.class, () -> dir.openDir(n("file"))).errno())
                .isEqualTo(ErrnoException.ENOTDIR);
        assertThat(catchThrowableOfType(ErrnoException.class, () -> dir.createDir(n("file"), 0755)).errno())
                .isEqualTo(ErrnoException.EEXIST);
        dir.createDir(n("sub"), 0755).close();
        dir.createDir(n("sub"), 0755).close(); // an existing directory is fine
    }

    @Test
    void closedHandlesRefuseUse() throws IOException {
        Dir sub = dir.createDir(n("sub"), 0755);
        sub.close();
        sub.close();
        assertThatThrownBy(sub::list).isInstanceOf(IllegalStateException.class);
        OpenFile f = dir.createFile(n("f"), 0644);
        f.close();
        f.close();
        assertThatThrownBy(f::stat).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void errnoNames() {
        assertThat(ErrnoException.errnoName(ErrnoException.EACCES)).isEqualTo("EACCES");
        assertThat(ErrnoException.errnoName(ErrnoException.ENOTSUP)).isEqualTo("EOPNOTSUPP");
        assertThat(ErrnoException.errnoName(9999)).isEqualTo("errno 9999");
        assertThat(new ErrnoException("open", "/some/dir/name", ErrnoException.EACCES))
                .hasMessage("open /some/dir/name: Permission denied (EACCES)");
    }

    @Test
    void invalidArgumentsAreRejectedBeforeAnyCall() {
        assertThatThrownBy(() -> dir.symlink(new byte[0], n("l"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> dir.symlink(new byte[] {'a', 0}, n("l"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> dir.mknod(n("d"), FileType.DIRECTORY, 0755, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> dir.setXattr(n("x"), new byte[] {'a', 0}, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
