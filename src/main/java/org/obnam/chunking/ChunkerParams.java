package org.obnam.chunking;

/**
 * Size parameters of the content-defined {@link Chunker}.
 *
 * <p>Every chunk except the last chunk of a stream is between {@code minSize} and {@code maxSize}
 * bytes long (inclusive); the last chunk is between 1 and {@code maxSize} bytes. On random data
 * the chunk lengths cluster around {@code averageSize} (a little above it, because the first
 * {@code minSize} bytes of every chunk are never a cut point).
 *
 * <p>Normally built with {@link #forMaxSize(int)} from the configured {@code chunk_size}, which is
 * the <em>maximum</em> chunk size. The parameters are part of the repository's dedup behaviour:
 * the same data chunked with other parameters yields other chunks.
 *
 * @param minSize the smallest length of a chunk that is not the last chunk of its stream
 * @param averageSize the target (normal) chunk length; the cut-point test becomes easier to pass
 *     once a chunk is this long
 * @param maxSize the largest chunk length; a chunk is cut here whatever its content
 */
public record ChunkerParams(int minSize, int averageSize, int maxSize) {

    /** The largest maximum chunk size accepted: 64 MiB. */
    public static final int MAX_CHUNK_SIZE = 64 * 1024 * 1024;

    /** The default maximum chunk size ({@code chunk_size} in the client config): 4 MiB. */
    public static final int DEFAULT_MAX_SIZE = 4 * 1024 * 1024;

    /**
     * Below this maximum the chunker is a fixed-size chunker: every chunk but the last is exactly
     * {@code maxSize} bytes.
     */
    public static final int MIN_CONTENT_DEFINED_MAX_SIZE = 64;

    /** The parameters for the default {@code chunk_size} of 4 MiB. */
    public static final ChunkerParams DEFAULT = forMaxSize(DEFAULT_MAX_SIZE);

    /**
     * Checks that {@code 1 <= minSize <= averageSize <= maxSize <= 64 MiB}.
     *
     * @throws IllegalArgumentException if not
     */
    public ChunkerParams {
        checkMax(maxSize);
        if (minSize < 1 || minSize > maxSize) {
            throw new IllegalArgumentException(
                    "minimum chunk size must be between 1 and the maximum chunk size " + maxSize
                            + " bytes, got " + minSize);
        }
        if (averageSize < minSize || averageSize > maxSize) {
            throw new IllegalArgumentException(
                    "average chunk size must be between the minimum " + minSize
                            + " and the maximum " + maxSize + " bytes, got " + averageSize);
        }
    }

    /**
     * The parameters for a configured maximum chunk size ({@code chunk_size}).
     *
     * <p>For {@code maxSize >= 64} the average is {@code maxSize / 4} and the minimum
     * {@code maxSize / 16}. For {@code maxSize < 64} content-defined chunking makes no sense and
     * the chunker cuts fixed-size chunks of {@code maxSize} bytes (minimum = average = maximum).
     *
     * @param maxSize the largest chunk size in bytes, 1 to 64 MiB
     * @return the parameters
     * @throws IllegalArgumentException if {@code maxSize} is outside 1 byte to 64 MiB
     */
    public static ChunkerParams forMaxSize(int maxSize) {
        checkMax(maxSize);
        if (maxSize < MIN_CONTENT_DEFINED_MAX_SIZE) {
            return new ChunkerParams(maxSize, maxSize, maxSize);
        }
        return new ChunkerParams(Math.max(1, maxSize / 16), maxSize / 4, maxSize);
    }

    /** True if every chunk but the last is exactly {@link #maxSize()} bytes long. */
    public boolean isFixedSize() {
        return minSize == maxSize;
    }

    private static void checkMax(int maxSize) {
        if (maxSize < 1 || maxSize > MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException(
                    "chunk size (the maximum chunk size) must be between 1 byte and 64 MiB ("
                            + MAX_CHUNK_SIZE + " bytes), got " + maxSize);
        }
    }
}
