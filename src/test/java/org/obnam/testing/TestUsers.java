package org.obnam.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The user that permission scenarios run Obnam as. Root reads any file whatever its mode, so a
 * test of "unreadable file" run as root proves nothing: when the tests run as root (as CI does),
 * Obnam is run as the unprivileged user {@value #NAME}, created if missing, through
 * {@code setpriv} (or {@code runuser}). When the tests already run as an ordinary user, Obnam
 * runs as that user. There is no silent skip: if root cannot switch user, the test fails.
 */
public final class TestUsers {
    public static final String NAME = "obnamtest";

    private static User unprivileged;

    private TestUsers() {}

    /**
     * Who runs a command: uid, gid, and the words to put before the command to run it as them
     * (empty when that is the current user).
     */
    public record User(String name, long uid, long gid, List<String> prefix) {
        public User {
            prefix = List.copyOf(prefix);
        }

        /** True if commands run as this user are subject to file permissions. */
        public boolean isUnprivileged() {
            return uid != 0;
        }

        /** Gives this user the whole tree (nothing to do when it is the current user). */
        public void own(Path top) {
            if (prefix.isEmpty()) {
                return;
            }
            try (Stream<Path> all = Files.walk(top)) {
                for (Path p : all.toList()) {
                    Files.setAttribute(p, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(p, "unix:gid", (int) gid, LinkOption.NOFOLLOW_LINKS);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public static boolean runningAsRoot() {
        return currentUid() == 0;
    }

    public static long currentUid() {
        return org.obnam.fs.Users.effectiveUid();
    }

    /** The current user, running commands directly. */
    public static User current() {
        long uid = currentUid();
        return new User(System.getProperty("user.name"), uid, gidOf("-g"), List.of());
    }

    /** A user that file permissions apply to (see the class comment). */
    public static synchronized User unprivileged() {
        if (unprivileged == null) {
            unprivileged = runningAsRoot() ? switchedUser() : current();
        }
        return unprivileged;
    }

    private static User switchedUser() {
        if (ExternalCommand.of("id", "-u", NAME).run().exitCode() != 0) {
            ExternalCommand.Result add = ExternalCommand.of("useradd", "--system", "--create-home", NAME).run();
            if (add.exitCode() != 0 && ExternalCommand.of("id", "-u", NAME).run().exitCode() != 0) {
                throw new AssertionError("running as root, and cannot create the unprivileged user " + NAME
                        + " that permission tests need: " + add.describe());
            }
        }
        long uid = Long.parseLong(ExternalCommand.of("id", "-u", NAME).run().expectSuccess().stdout().strip());
        long gid = Long.parseLong(ExternalCommand.of("id", "-g", NAME).run().expectSuccess().stdout().strip());
        if (uid == 0) {
            throw new AssertionError("user " + NAME + " has uid 0: permission tests need an unprivileged user");
        }
        List<String> prefix;
        if (onPath("setpriv")) {
            prefix = List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--");
        } else if (onPath("runuser")) {
            prefix = List.of("runuser", "-u", NAME, "--");
        } else {
            throw new AssertionError("running as root, but neither setpriv nor runuser is installed to run Obnam as "
                    + NAME + " for the permission tests");
        }
        return new User(NAME, uid, gid, prefix);
    }

    private static long gidOf(String flag) {
        return Long.parseLong(ExternalCommand.of("id", flag).run().expectSuccess().stdout().strip());
    }

    static boolean onPath(String program) {
        return ExternalCommand.of("sh", "-c", "command -v " + program).run().exitCode() == 0;
    }
}
