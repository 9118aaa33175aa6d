package org.obnam.fs;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about this process and boot. */
public final class Proc {
    private Proc() {}

    /** The kernel's random id of the current boot: inode numbers and ctimes compare only within one boot. */
    public static String bootId() throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).trim();
    }

    /** This process's command line as the kernel has it: every argument's raw bytes. */
    public static java.util.List<byte[]> commandLine() throws IOException {
        byte[] cmdline = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        java.util.List<byte[]> all = new java.util.ArrayList<>();
        int start = 0;
        for (int i = 0; i < cmdline.length; i++) {
            if (cmdline[i] == 0) {
                all.add(java.util.Arrays.copyOfRange(cmdline, start, i));
                start = i + 1;
            }
        }
        return all;
    }

    /**
     * The working directory as raw bytes (getcwd). The JVM's "user.dir" is a decoded String and
     * loses bytes that are not valid in the locale's encoding, so a relative root cannot be made
     * absolute with it.
     */
    public static RawPath workingDirectory() throws IOException {
        MemorySegment cs = Scratch.get().errno;
        try (Arena arena = Arena.ofConfined()) {
            for (long size = 4096; ; size *= 2) {
                MemorySegment buf = arena.allocate(size);
                MemorySegment result = Libc.getcwd(cs, buf, size);
                if (!result.equals(MemorySegment.NULL)) {
                    long length = 0;
                    while (buf.get(JAVA_BYTE, length) != 0) {
                        length++;
                    }
                    RawPath path = RawPath.of(buf.asSlice(0, length).toArray(JAVA_BYTE));
                    if (!path.isAbsolute()) {
                        // Linux returns "(unreachable)/..." when the directory is outside our root.
                        throw new ErrnoException("getcwd", path.toString(), ErrnoException.ENOENT);
                    }
                    return path;
                }
                int errno = Libc.errno(cs);
                if (errno != ErrnoException.ERANGE || size >= (1 << 24)) {
                    throw new ErrnoException("getcwd", ".", errno);
                }
            }
        }
    }
}
