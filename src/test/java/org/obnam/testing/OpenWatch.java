package org.obnam.testing;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which files in a directory were opened while the watch was on, as the kernel saw it (inotify
 * IN_OPEN), independent of anything Obnam reports about itself. O_NOATIME does not hide an open
 * from inotify, so this tells whether a backup read a file.
 */
public final class OpenWatch implements AutoCloseable {
    private static final int IN_NONBLOCK = 0x800;
    private static final int IN_CLOEXEC = 0x80000;
    private static final int IN_OPEN = 0x20;
    private static final int IN_ISDIR = 0x40000000;
    private static final int IN_Q_OVERFLOW = 0x4000;
    private static final int EVENT_HEADER = 16; // int wd; uint32 mask, cookie, len; then name[len]

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle INIT = handle("inotify_init1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle ADD_WATCH =
            handle("inotify_add_watch", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle READ = handle("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final int fd;
    private final Path dir;

    @SuppressWarnings("restricted") // a test helper; failsafe runs with --enable-native-access
    private static MethodHandle handle(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d);
    }

    private OpenWatch(int fd, Path dir) {
        this.fd = fd;
        this.dir = dir;
    }

    /** Starts watching opens of the entries directly in {@code dir} (not recursive). */
    public static OpenWatch on(Path dir) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) INIT.invokeExact(IN_NONBLOCK | IN_CLOEXEC);
            if (fd < 0) {
                throw new AssertionError("inotify_init1 failed");
            }
            int wd = (int) ADD_WATCH.invokeExact(fd, arena.allocateFrom(dir.toAbsolutePath().toString()), IN_OPEN);
            if (wd < 0) {
                int ignored = (int) CLOSE.invokeExact(fd);
                throw new AssertionError("inotify_add_watch " + dir + " failed");
            }
            return new OpenWatch(fd, dir);
        } catch (Throwable t) {
            throw t instanceof AssertionError a ? a : new AssertionError("cannot watch " + dir, t);
        }
    }

    /** The names of the non-directory entries opened since the watch started (or since the last call). */
    public Set<String> openedFiles() {
        Set<String> names = new TreeSet<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64 * 1024, 8);
            while (true) {
                long n = (long) READ.invokeExact(fd, buf, buf.byteSize());
                if (n <= 0) {
                    return names; // EAGAIN: no more events queued
                }
                long off = 0;
                while (off < n) {
                    int mask = buf.get(JAVA_INT, off + 4);
                    int len = buf.get(JAVA_INT, off + 12);
                    if ((mask & IN_Q_OVERFLOW) != 0) {
                        throw new AssertionError("inotify queue overflowed while watching " + dir);
                    }
                    if ((mask & IN_OPEN) != 0 && (mask & IN_ISDIR) == 0 && len > 0) {
                        byte[] name = buf.asSlice(off + EVENT_HEADER, len).toArray(JAVA_BYTE);
                        int end = 0;
                        while (end < name.length && name[end] != 0) {
                            end++;
                        }
                        names.add(new String(name, 0, end, StandardCharsets.UTF_8));
                    }
                    off += EVENT_HEADER + len;
                }
            }
        } catch (Throwable t) {
            throw t instanceof AssertionError a ? a : new AssertionError("cannot read inotify events", t);
        }
    }

    @Override
    public void close() {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
