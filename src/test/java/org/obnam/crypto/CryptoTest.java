package org.obnam.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class CryptoTest {
    private static final KdfParams FAST = new KdfParams(64, 1, 1);
    private static final MasterKey KEY = MasterKey.generate();
    private static final ChunkCipher CIPHER = KEY.cipher();
    private static final byte[] LABEL = KEY.labeller(ChunkKind.DATA).label("data".getBytes(StandardCharsets.UTF_8)).bytes();

    @Property(tries = 200)
    void sealedChunksOpenToTheSamePlaintext(@ForAll @Size(max = 5000) byte[] plaintext, @ForAll @IntRange(max = 255) int flags) throws Exception {
        byte[] blob = CIPHER.seal(ChunkKind.DATA, LABEL, flags, plaintext);
        ChunkCipher.Opened opened = CIPHER.open(ChunkKind.DATA, LABEL, blob);
        assertThat(opened.plaintext()).isEqualTo(plaintext);
        assertThat(opened.flags()).isEqualTo(flags);
    }

    @Property(tries = 200)
    void anyFlippedBitFailsAuthentication(@ForAll @Size(min = 1, max = 2000) byte[] plaintext, @ForAll @IntRange(max = 100_000) int where, @ForAll @IntRange(max = 7) int bit) {
        byte[] blob = CIPHER.seal(ChunkKind.DATA, LABEL, 0, plaintext);
        blob[where % blob.length] ^= (byte) (1 << bit);
        assertThatThrownBy(() -> CIPHER.open(ChunkKind.DATA, LABEL, blob)).isInstanceOf(CryptoException.class);
    }

    @Test
    void blobsSealedInPiecesOpenAsWholeBlobsAndComeInOrderWithinTheScratchSize() throws Exception {
        int slice = 16 << 10;
        int[] lengths = {0, 1, slice - 1, slice, slice + 1, 64 << 10, (64 << 10) - 14, (64 << 10) - 30, (64 << 10) + 1,
                3 * slice + 5, (1 << 20) + 7};
        java.util.Random random = new java.util.Random(5);
        for (int scratchSize : new int[] {2 * slice, 64 << 10, (256 << 10) + 3}) {
            for (int length : lengths) {
                byte[] plaintext = new byte[length + 9];
                random.nextBytes(plaintext);
                java.io.ByteArrayOutputStream blob = new java.io.ByteArrayOutputStream();
                byte[] scratch = new byte[scratchSize];
                CIPHER.sealTo(ChunkKind.DATA, LABEL, 3, plaintext, 9, length, scratch, (at, data, from, n) -> {
                    assertThat(data).isSameAs(scratch);
                    assertThat(at).isEqualTo(blob.size());
                    assertThat(n).isBetween(1, scratchSize);
                    blob.write(data, from, n);
                });
                byte[] whole = blob.toByteArray();
                assertThat(whole).hasSize(length + ChunkCipher.OVERHEAD);
                ChunkCipher.Opened opened = CIPHER.open(ChunkKind.DATA, LABEL, whole);
                assertThat(opened.plaintext()).isEqualTo(java.util.Arrays.copyOfRange(plaintext, 9, 9 + length));
                assertThat(opened.flags()).isEqualTo(3);
            }
        }
        assertThatThrownBy(() -> CIPHER.sealTo(ChunkKind.DATA, LABEL, 0, new byte[1], 0, 1, new byte[100], (at, d, f, n) -> {}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void wrongLabelFails() {
        byte[] blob = CIPHER.seal(ChunkKind.DATA, LABEL, 0, new byte[100]);
        byte[] other = KEY.labeller(ChunkKind.DATA).label(new byte[1]).bytes();
        assertThatThrownBy(() -> CIPHER.open(ChunkKind.DATA, other, blob))
                .isInstanceOf(CryptoException.class).hasMessageContaining("authentication");
    }

    @Test
    void wrongKindFails() {
        byte[] blob = CIPHER.seal(ChunkKind.DATA, LABEL, 0, new byte[100]);
        assertThatThrownBy(() -> CIPHER.open(ChunkKind.GENERATION, LABEL, blob)).isInstanceOf(CryptoException.class);
    }

    @Test
    void wrongKeyFails() {
        byte[] blob = CIPHER.seal(ChunkKind.DATA, LABEL, 0, new byte[100]);
        assertThatThrownBy(() -> MasterKey.generate().cipher().open(ChunkKind.DATA, LABEL, blob))
                .isInstanceOf(CryptoException.class);
    }

    @Test
    void truncatedAndFutureFormatBlobsAreRefused() {
        byte[] blob = CIPHER.seal(ChunkKind.DATA, LABEL, 0, new byte[10]);
        assertThatThrownBy(() -> CIPHER.open(ChunkKind.DATA, LABEL, new byte[5])).hasMessageContaining("too short");
        blob[0] = 9;
        assertThatThrownBy(() -> CIPHER.open(ChunkKind.DATA, LABEL, blob)).hasMessageContaining("upgrade Obnam");
        // Far from any format: the bytes are no chunk (a range of the wrong object), not a newer one.
        blob[0] = 107;
        assertThatThrownBy(() -> CIPHER.open(ChunkKind.DATA, LABEL, blob))
                .hasMessageEndingWith("format 107, this Obnam reads format 1: it is damaged, or not a chunk");
    }

    @Test
    void encryptionIsRandomizedAndHidesPlaintext() {
        byte[] plain = "some secret text that must not show".getBytes(StandardCharsets.UTF_8);
        byte[] a = CIPHER.seal(ChunkKind.DATA, LABEL, 0, plain);
        byte[] b = CIPHER.seal(ChunkKind.DATA, LABEL, 0, plain);
        assertThat(a).isNotEqualTo(b);
        assertThat(new String(a, StandardCharsets.ISO_8859_1)).doesNotContain("secret");
    }

    @Test
    void noncesDifferAcrossThreadsAndSeals() throws Exception {
        int threads = 8;
        int perThread = 2_000;
        Set<String> nonces = ConcurrentHashMap.newKeySet();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        byte[] blob = CIPHER.seal(ChunkKind.DATA, LABEL, 0, new byte[1]);
                        nonces.add(HexFormat.of().formatHex(blob, 2, 14));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        assertThat(nonces).hasSize(threads * perThread);
    }

    @Test
    void labelsAreKeyedAndDeterministic() {
        byte[] data = "same data".getBytes(StandardCharsets.UTF_8);
        assertThat(KEY.labeller(ChunkKind.DATA).label(data)).isEqualTo(KEY.labeller(ChunkKind.DATA).label(data));
        assertThat(MasterKey.generate().labeller(ChunkKind.DATA).label(data)).isNotEqualTo(KEY.labeller(ChunkKind.DATA).label(data));
        assertThat(KEY.labeller(ChunkKind.DATA).label(data).hex()).hasSize(64);
    }

    @Test
    void keyRecordUnlocksWithThePassphraseOnly() throws Exception {
        KeyRecord record = KeyRecord.create("repo1", KEY, "correct horse", FAST);
        KeyRecord parsed = KeyRecord.parse(record.toJson());
        assertThat(parsed.unlock("correct horse")).isEqualTo(KEY);
        assertThatThrownBy(() -> parsed.unlock("wrong")).isInstanceOf(WrongPassphraseException.class);
        assertThat(parsed.isAuthenticBy(KEY)).isTrue();
        assertThat(parsed.isAuthenticBy(MasterKey.generate())).isFalse();
        assertThat(new String(record.toJson(), StandardCharsets.UTF_8)).doesNotContain("correct horse").doesNotContain(KEY.hex());
    }

    @Test
    void tamperedKeyRecordParametersBreakTheUnwrap() throws Exception {
        KeyRecord record = KeyRecord.create("repo1", KEY, "pw", FAST);
        String json = new String(record.toJson(), StandardCharsets.UTF_8).replace("\"repo1\"", "\"repo2\"");
        KeyRecord tampered = KeyRecord.parse(json.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> tampered.unlock("pw")).isInstanceOf(WrongPassphraseException.class);
        assertThat(tampered.isAuthenticBy(KEY)).isFalse();
    }

    @Test
    void damagedKeyRecordIsNamedAsSuch() {
        assertThatThrownBy(() -> KeyRecord.parse("{}".getBytes(StandardCharsets.UTF_8))).hasMessageContaining("damaged");
        assertThatThrownBy(() -> KeyRecord.parse("not json".getBytes(StandardCharsets.UTF_8))).hasMessageContaining("JSON");
    }

    @Test
    void defaultArgon2ParametersWork() throws Exception {
        KeyRecord record = KeyRecord.create("r", KEY, "pw", KdfParams.DEFAULT);
        assertThat(record.unlock("pw")).isEqualTo(KEY);
    }
}
