package org.obnam.fs;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * User and group names for metadata, from the system's user database (NSS: /etc/passwd, LDAP,
 * ...). Looked up with the reentrant getpwuid_r/getgrgid_r and cached for the life of the process,
 * because a look-up may be slow and a backup asks for the same few ids again and again.
 * Thread-safe.
 */
public final class Users {
    // struct passwd and struct group on x86_64: the name pointer is the first field of both.
    private static final long PASSWD_SIZE = 48;
    private static final long GROUP_SIZE = 32;
    private static final long MAX_BUFFER = 1 << 20;

    private static final ConcurrentHashMap<Long, String> USERS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Long, String> GROUPS = new ConcurrentHashMap<>();

    private Users() {}

    /** The name of a user id, or "" if the id has no entry. */
    public static String userName(long uid) {
        return USERS.computeIfAbsent(uid, id -> lookUp(id, true));
    }

    /** The name of a group id, or "" if the id has no entry. */
    public static String groupName(long gid) {
        return GROUPS.computeIfAbsent(gid, id -> lookUp(id, false));
    }

    public static long effectiveUid() {
        return Integer.toUnsignedLong(Libc.geteuid(Scratch.get().errno));
    }

    private static String lookUp(long id, boolean user) {
        if (id < 0 || id > 0xffffffffL) {
            return "";
        }
        MemorySegment cs = Scratch.get().errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entry = arena.allocate(user ? PASSWD_SIZE : GROUP_SIZE, 8);
            MemorySegment result = arena.allocate(ADDRESS);
            // Start at 1 KiB and double on ERANGE: a group with many members can need far more.
            for (long size = 1024; size <= MAX_BUFFER; size *= 2) {
                MemorySegment buf = arena.allocate(size);
                int rc = user
                        ? Libc.getpwuidR(cs, (int) id, entry, buf, size, result)
                        : Libc.getgrgidR(cs, (int) id, entry, buf, size, result);
                if (rc == ErrnoException.ERANGE) {
                    continue;
                }
                if (rc != 0 || result.get(ADDRESS, 0).equals(MemorySegment.NULL)) {
                    return "";
                }
                return nameIn(buf, entry.get(ADDRESS, 0).address());
            }
            return "";
        }
    }

    /**
     * The NUL-terminated name at {@code address}. POSIX has the *_r calls store the strings in the
     * caller's buffer, so we read it from there instead of widening a raw pointer.
     */
    private static String nameIn(MemorySegment buf, long address) {
        long start = address - buf.address();
        if (start < 0 || start >= buf.byteSize()) {
            return "";
        }
        long end = start;
        while (end < buf.byteSize() && buf.get(JAVA_BYTE, end) != 0) {
            end++;
        }
        return new String(buf.asSlice(start, end - start).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }
}
