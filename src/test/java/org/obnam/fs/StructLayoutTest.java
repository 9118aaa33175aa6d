package org.obnam.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hand-written struct layouts and constants against x86_64 glibc: always against values taken
 * from gcc offsetof once, and, where a C compiler is installed, against a freshly compiled program.
 */
class StructLayoutTest {

    /** What this package assumes, by the C expression that must evaluate to it. */
    private static Map<String, Long> expected() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("sizeof(struct statx)", StatxLayout.SIZE);
        m.put("offsetof(struct statx, stx_nlink)", StatxLayout.NLINK);
        m.put("offsetof(struct statx, stx_uid)", StatxLayout.UID);
        m.put("offsetof(struct statx, stx_gid)", StatxLayout.GID);
        m.put("offsetof(struct statx, stx_mode)", StatxLayout.MODE);
        m.put("offsetof(struct statx, stx_ino)", StatxLayout.INO);
        m.put("offsetof(struct statx, stx_size)", StatxLayout.FILE_SIZE);
        m.put("offsetof(struct statx, stx_blocks)", StatxLayout.BLOCKS);
        m.put("offsetof(struct statx, stx_atime)", StatxLayout.ATIME);
        m.put("offsetof(struct statx, stx_btime)", StatxLayout.BTIME);
        m.put("offsetof(struct statx, stx_ctime)", StatxLayout.CTIME);
        m.put("offsetof(struct statx, stx_mtime)", StatxLayout.MTIME);
        m.put("offsetof(struct statx, stx_mtime.tv_nsec)", StatxLayout.MTIME + 8);
        m.put("offsetof(struct statx, stx_rdev_major)", StatxLayout.RDEV_MAJOR);
        m.put("offsetof(struct statx, stx_rdev_minor)", StatxLayout.RDEV_MINOR);
        m.put("offsetof(struct statx, stx_dev_major)", StatxLayout.DEV_MAJOR);
        m.put("offsetof(struct statx, stx_dev_minor)", StatxLayout.DEV_MINOR);
        m.put("sizeof(struct stat)", StatLayout.SIZE);
        m.put("offsetof(struct stat, st_dev)", StatLayout.DEV);
        m.put("offsetof(struct stat, st_ino)", StatLayout.INO);
        m.put("offsetof(struct stat, st_nlink)", StatLayout.NLINK);
        m.put("offsetof(struct stat, st_mode)", StatLayout.MODE);
        m.put("offsetof(struct stat, st_uid)", StatLayout.UID);
        m.put("offsetof(struct stat, st_gid)", StatLayout.GID);
        m.put("offsetof(struct stat, st_rdev)", StatLayout.RDEV);
        m.put("offsetof(struct stat, st_size)", StatLayout.FILE_SIZE);
        m.put("offsetof(struct stat, st_blocks)", StatLayout.BLOCKS);
        m.put("offsetof(struct stat, st_atim)", StatLayout.ATIM);
        m.put("offsetof(struct stat, st_mtim)", StatLayout.MTIM);
        m.put("offsetof(struct stat, st_ctim)", StatLayout.CTIM);
        m.put("offsetof(struct dirent64, d_reclen)", 16L);
        m.put("offsetof(struct dirent64, d_name)", 19L);
        m.put("sizeof(struct passwd)", 48L);
        m.put("offsetof(struct passwd, pw_name)", 0L);
        m.put("sizeof(struct group)", 32L);
        m.put("offsetof(struct group, gr_name)", 0L);
        m.put("O_CREAT", (long) Libc.O_CREAT);
        m.put("O_NOCTTY", (long) Libc.O_NOCTTY);
        m.put("O_TRUNC", (long) Libc.O_TRUNC);
        m.put("O_DIRECTORY", (long) Libc.O_DIRECTORY);
        m.put("O_NOFOLLOW", (long) Libc.O_NOFOLLOW);
        m.put("O_NOATIME", (long) Libc.O_NOATIME);
        m.put("O_CLOEXEC", (long) Libc.O_CLOEXEC);
        m.put("AT_FDCWD", (long) Libc.AT_FDCWD);
        m.put("AT_SYMLINK_NOFOLLOW", (long) Libc.AT_SYMLINK_NOFOLLOW);
        m.put("AT_REMOVEDIR", (long) Libc.AT_REMOVEDIR);
        m.put("AT_NO_AUTOMOUNT", (long) Libc.AT_NO_AUTOMOUNT);
        m.put("AT_EMPTY_PATH", (long) Libc.AT_EMPTY_PATH);
        m.put("STATX_BASIC_STATS", (long) Libc.STATX_BASIC_STATS);
        m.put("SEEK_DATA", (long) Libc.SEEK_DATA);
        m.put("SEEK_HOLE", (long) Libc.SEEK_HOLE);
        m.put("UTIME_OMIT", Libc.UTIME_OMIT);
        m.put("POSIX_FADV_SEQUENTIAL", (long) Libc.POSIX_FADV_SEQUENTIAL);
        m.put("POSIX_FADV_DONTNEED", (long) Libc.POSIX_FADV_DONTNEED);
        m.put("S_IFSOCK", (long) FileType.SOCKET.modeBits());
        m.put("S_IFLNK", (long) FileType.SYMLINK.modeBits());
        m.put("S_IFREG", (long) FileType.REGULAR.modeBits());
        m.put("S_IFBLK", (long) FileType.BLOCK_DEVICE.modeBits());
        m.put("S_IFDIR", (long) FileType.DIRECTORY.modeBits());
        m.put("S_IFCHR", (long) FileType.CHAR_DEVICE.modeBits());
        m.put("S_IFIFO", (long) FileType.FIFO.modeBits());
        m.put("ENODATA", (long) ErrnoException.ENODATA);
        m.put("ENOTSUP", (long) ErrnoException.ENOTSUP);
        m.put("EOPNOTSUPP", (long) ErrnoException.EOPNOTSUPP);
        m.put("ELOOP", (long) ErrnoException.ELOOP);
        m.put("ENAMETOOLONG", (long) ErrnoException.ENAMETOOLONG);
        m.put("EDQUOT", (long) ErrnoException.EDQUOT);
        m.put("ESTALE", (long) ErrnoException.ESTALE);
        m.put("ENXIO", (long) ErrnoException.ENXIO);
        m.put("ERANGE", (long) ErrnoException.ERANGE);
        m.put("(long) makedev(7, 200)", StatLayout.makedev(7, 200));
        m.put("(long) makedev(0x12345, 0x6789a)", StatLayout.makedev(0x12345, 0x6789a));
        m.put("(long) major(makedev(0x12345, 0x6789a))", 0x12345L);
        m.put("(long) minor(makedev(0x12345, 0x6789a))", 0x6789aL);
        return m;
    }

    /** Printed by gcc 12 on Debian 12 x86_64 for the same expressions. */
    private static final Map<String, Long> FROM_GCC = new HashMap<>(Map.ofEntries(
            Map.entry("sizeof(struct statx)", 256L),
            Map.entry("offsetof(struct statx, stx_nlink)", 16L),
            Map.entry("offsetof(struct statx, stx_uid)", 20L),
            Map.entry("offsetof(struct statx, stx_gid)", 24L),
            Map.entry("offsetof(struct statx, stx_mode)", 28L),
            Map.entry("offsetof(struct statx, stx_ino)", 32L),
            Map.entry("offsetof(struct statx, stx_size)", 40L),
            Map.entry("offsetof(struct statx, stx_blocks)", 48L),
            Map.entry("offsetof(struct statx, stx_atime)", 64L),
            Map.entry("offsetof(struct statx, stx_btime)", 80L),
            Map.entry("offsetof(struct statx, stx_ctime)", 96L),
            Map.entry("offsetof(struct statx, stx_mtime)", 112L),
            Map.entry("offsetof(struct statx, stx_mtime.tv_nsec)", 120L),
            Map.entry("offsetof(struct statx, stx_rdev_major)", 128L),
            Map.entry("offsetof(struct statx, stx_rdev_minor)", 132L),
            Map.entry("offsetof(struct statx, stx_dev_major)", 136L),
            Map.entry("offsetof(struct statx, stx_dev_minor)", 140L),
            Map.entry("sizeof(struct stat)", 144L),
            Map.entry("offsetof(struct stat, st_dev)", 0L),
            Map.entry("offsetof(struct stat, st_ino)", 8L),
            Map.entry("offsetof(struct stat, st_nlink)", 16L),
            Map.entry("offsetof(struct stat, st_mode)", 24L),
            Map.entry("offsetof(struct stat, st_uid)", 28L),
            Map.entry("offsetof(struct stat, st_gid)", 32L),
            Map.entry("offsetof(struct stat, st_rdev)", 40L),
            Map.entry("offsetof(struct stat, st_size)", 48L),
            Map.entry("offsetof(struct stat, st_blocks)", 64L),
            Map.entry("offsetof(struct stat, st_atim)", 72L),
            Map.entry("offsetof(struct stat, st_mtim)", 88L),
            Map.entry("offsetof(struct stat, st_ctim)", 104L)));

    @Test
    void layoutsMatchTheRecordedGccOffsets() {
        Map<String, Long> expected = expected();
        FROM_GCC.forEach((expr, value) -> assertThat(expected.get(expr)).as(expr).isEqualTo(value));
    }

    @Test
    void layoutsAndConstantsMatchACompiledCProgram(@TempDir Path dir) throws Exception {
        String cc = findCompiler();
        assumeTrue(cc != null, "no C compiler installed");
        Map<String, Long> expected = expected();
        StringBuilder c = new StringBuilder("""
                #define _GNU_SOURCE
                #include <stdio.h>
                #include <stddef.h>
                #include <fcntl.h>
                #include <errno.h>
                #include <dirent.h>
                #include <pwd.h>
                #include <grp.h>
                #include <sys/stat.h>
                #include <sys/sysmacros.h>
                int main(void) {
                """);
        for (String expr : expected.keySet()) {
            c.append("    printf(\"%s=%ld\\n\", \"").append(expr).append("\", (long) (").append(expr).append("));\n");
        }
        c.append("    return 0;\n}\n");
        Path source = dir.resolve("layout.c");
        Path binary = dir.resolve("layout");
        Files.writeString(source, c);
        run(dir, cc, "-O0", "-o", binary.toString(), source.toString());
        Map<String, Long> actual = new HashMap<>();
        for (String line : run(dir, binary.toString()).split("\n")) {
            int eq = line.lastIndexOf('=');
            actual.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
        }
        assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
    }

    @Test
    void javaLayoutsHaveTheKernelSizes() {
        assertThat(StatxLayout.LAYOUT.byteSize()).isEqualTo(256);
        assertThat(StatLayout.LAYOUT.byteSize()).isEqualTo(144);
    }

    private static String findCompiler() {
        for (String name : new String[] {"cc", "gcc"}) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        return null;
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
        return output;
    }
}
