package org.obnam.cli;

import java.security.MessageDigest;
import java.util.List;
import java.util.zip.CRC32C;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import org.obnam.crypto.MasterKey;
import org.obnam.fs.NativeCalls;
import org.obnam.repository.ChunkCodec;
import org.obnam.util.JsonTree;
import org.obnam.util.Sqlite;

/**
 * Does, on other threads while the main thread sets up the command line, the one-time work of
 * the JDK and libraries that a command opening a repository would otherwise do first on its main
 * thread, in the interpreter, because it runs once. Measured in an unchanged re-run of a backup,
 * in samples of the main thread (0.5 s in all): SQLite's first connection builds a date format
 * and with it a {@code Calendar}, whose locale lookup parsed every locale tag the JDK knows (about
 * 15% of the samples); the first {@code Mac} or {@code Cipher} set up JCA and instantiated every
 * provider before SunJCE (10%); the first JSON parser initialised {@code BigDecimal}, which in JDK
 * 25 squares its way to 5^65536 in its class initialiser (7%); the first native call generated
 * the linker's stub (on the walker's thread; every command's output goes through a native write
 * too, so the first line printed paid for it: 10 to 14 ms). Class initialisation is the same work
 * whichever thread gets there first, and the JVM makes a thread that needs a class another thread
 * is initialising wait for it; so the main thread gains what these finish in time, and loses
 * nothing but a share of a core when there is only one. Nothing here has effects a command can
 * see: a step that fails is left for the command itself to meet and report.
 */
final class StartupWarmup {
    private StartupWarmup() {
    }

    interface Step {
        void run() throws Exception;
    }

    /**
     * What a command opening a repository needs first, in that order: the key record is a record
     * file with a CRC32C, holds JSON, and is authenticated with a key derived by HKDF (Bouncy Castle,
     * whose registrar sets itself up) and HMAC (JCA). The derivation's key is a throwaway. Then
     * zstd's native library, for the generation list, which is compressed.
     */
    static final List<Step> KEY_STEPS = List.of(
            () -> new CRC32C().update(0),
            () -> JsonTree.parse("{\"warmup\":1}"),
            () -> MasterKey.of(new byte[MasterKey.LENGTH]).cipher(),
            () -> {
                Mac.getInstance("HmacSHA256");
                Cipher.getInstance("AES/GCM/NoPadding");
                MessageDigest.getInstance("SHA-256");
            },
            ChunkCodec::loadNativeLibrary);

    /** What a command reading or writing generations and files needs next. */
    static final List<Step> FILE_STEPS = List.of(Sqlite::prepare, NativeCalls::prepare);

    /** What every command needs to print: its output is written by a native call. */
    static final List<Step> OUTPUT_STEPS = List.of(NativeCalls::prepare);

    /**
     * Starts the warm-up a command needs: the key steps for one that opens a repository and, with
     * {@code files}, the file steps on a second thread, because on one the main thread got to
     * SQLite before it was ready; the output steps come after either, or alone. A command that
     * would not use some steps does not get them: on a busy machine they only cost a core.
     */
    static void start(boolean repository, boolean files) {
        if (files) {
            thread("obnam-warmup-keys", KEY_STEPS);
            thread("obnam-warmup-files", FILE_STEPS);
        } else if (repository) {
            thread("obnam-warmup-keys", concat(KEY_STEPS, OUTPUT_STEPS));
        } else {
            thread("obnam-warmup-output", OUTPUT_STEPS);
        }
    }

    private static List<Step> concat(List<Step> first, List<Step> then) {
        List<Step> all = new java.util.ArrayList<>(first);
        all.addAll(then);
        return all;
    }

    private static void thread(String name, List<Step> steps) {
        Thread t = new Thread(() -> steps.forEach(StartupWarmup::step), name);
        t.setDaemon(true);
        t.start();
    }

    private static void step(Step s) {
        try {
            s.run();
        } catch (Throwable ignored) {
            // The command meets the same failure where it needs the thing, and reports it there.
        }
    }
}
