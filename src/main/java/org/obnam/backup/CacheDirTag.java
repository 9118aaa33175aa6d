package org.obnam.backup;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.obnam.fs.Dir;
import org.obnam.fs.FileType;
import org.obnam.fs.OpenFile;
import org.obnam.fs.RawName;

/** The Cache Directory Tagging Specification (https://bford.info/cachedir/). */
final class CacheDirTag {
    static final RawName NAME = RawName.ofUtf8("CACHEDIR.TAG");
    private static final byte[] SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55".getBytes(StandardCharsets.US_ASCII);

    private CacheDirTag() {}

    /** True when {@code dir} holds a regular file CACHEDIR.TAG that starts with the signature. */
    static boolean isTagged(Dir dir) {
        try {
            if (dir.lstat(NAME).type() != FileType.REGULAR) {
                return false;
            }
            try (OpenFile f = dir.openRead(NAME)) {
                byte[] head = new byte[SIGNATURE.length];
                int got = 0;
                while (got < head.length) {
                    int n = f.read(head, got, head.length - got);
                    if (n < 0) {
                        return false;
                    }
                    got += n;
                }
                return Arrays.equals(head, SIGNATURE);
            }
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
