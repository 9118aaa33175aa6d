package org.obnam.testing;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Second opinions from Python 3 (on every machine the tests run on), independent of the project's
 * own file-system layer: raw directory listings, extended attributes, allocated blocks. Paths are
 * passed as arguments and taken as bytes with os.fsencode, so names round-trip exactly.
 */
public final class Python {
    private Python() {}

    private static String run(String script, String... args) {
        String[] command = new String[3 + args.length];
        command[0] = "python3";
        command[1] = "-c";
        command[2] = script;
        System.arraycopy(args, 0, command, 3, args.length);
        return ExternalCommand.of(command).env("LANG", "C.UTF-8").run().expectSuccess().stdout().strip();
    }

    /** The names in a directory, each as lowercase hex of its bytes, sorted. */
    public static List<String> listNamesHex(Path dir) {
        String out = run("import os,sys\n"
                + "for n in sorted(os.listdir(os.fsencode(sys.argv[1]))): print(n.hex())", dir.toString());
        return out.isEmpty() ? List.of() : out.lines().toList();
    }

    /** Sets a user xattr without following symlinks; false if the file system does not support xattrs. */
    public static boolean setXattr(Path file, String name, byte[] value) {
        String out = run("import os,sys,errno\n"
                + "try:\n"
                + "    os.setxattr(os.fsencode(sys.argv[1]), sys.argv[2], bytes.fromhex(sys.argv[3]), follow_symlinks=False)\n"
                + "    print('ok')\n"
                + "except OSError as e:\n"
                + "    if e.errno in (errno.ENOTSUP, errno.EOPNOTSUPP): print('unsupported')\n"
                + "    else: raise\n",
                file.toString(), name, HexFormat.of().formatHex(value));
        return out.equals("ok");
    }

    /** A user xattr's value, or empty if the entry has no such attribute. */
    public static Optional<byte[]> getXattr(Path file, String name) {
        String out = run("import os,sys,errno\n"
                + "try:\n"
                + "    print('=' + os.getxattr(os.fsencode(sys.argv[1]), sys.argv[2], follow_symlinks=False).hex())\n"
                + "except OSError as e:\n"
                + "    if e.errno in (errno.ENODATA, errno.ENOTSUP): print('none')\n"
                + "    else: raise\n",
                file.toString(), name);
        return out.startsWith("=") ? Optional.of(HexFormat.of().parseHex(out.substring(1))) : Optional.empty();
    }

    /** st_blocks (512-byte units allocated) of an entry, not following symlinks. */
    public static long allocatedBlocks(Path file) {
        return Long.parseLong(run("import os,sys\nprint(os.lstat(os.fsencode(sys.argv[1])).st_blocks)", file.toString()));
    }

    /** The bytes of a symlink's target. */
    public static byte[] readlink(Path link) {
        return HexFormat.of().parseHex(run("import os,sys\nprint(os.readlink(os.fsencode(sys.argv[1])).hex())",
                link.toString()));
    }
}
