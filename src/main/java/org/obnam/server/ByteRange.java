package org.obnam.server;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One range of a {@code Range: bytes=...} header (RFC 9110 section 14.1.2), resolved against a
 * body of known size: {@code a-b}, {@code a-} or the suffix {@code -n}. Several ranges in one
 * request are refused: clients fetch one chunk at a time.
 */
record ByteRange(long first, long last) {
    private static final Pattern SPEC = Pattern.compile("bytes=(\\d{0,18})-(\\d{0,18})");

    long length() {
        return last - first + 1;
    }

    String contentRange(long size) {
        return "bytes " + first + "-" + last + "/" + size;
    }

    static ByteRange parse(String header, long size) throws ApiError {
        Matcher m = SPEC.matcher(header.strip());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            throw ApiError.badRequest("Range must be one byte range, such as bytes=0-99");
        }
        long first;
        long last;
        if (m.group(1).isEmpty()) {
            long suffix = Long.parseLong(m.group(2));
            if (suffix == 0 || size == 0) {
                throw unsatisfiable(size);
            }
            first = Math.max(0, size - suffix);
            last = size - 1;
        } else {
            first = Long.parseLong(m.group(1));
            last = m.group(2).isEmpty() ? Long.MAX_VALUE : Long.parseLong(m.group(2));
            if (last < first) {
                throw ApiError.badRequest("Range ends before it starts");
            }
            if (first >= size) {
                throw unsatisfiable(size);
            }
            last = Math.min(last, size - 1);
        }
        return new ByteRange(first, last);
    }

    private static ApiError unsatisfiable(long size) {
        return new ApiError(416, "the range is outside the chunk, which has " + size + " bytes").with("size", size)
                .header("Content-Range", "bytes */" + size);
    }
}
