package org.obnam.repository;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * What this client remembers about each repository between runs: the highest generation-list
 * counter it has seen. One small file per repository under the client's state directory.
 */
public final class TrustState {
    private final Path directory;

    public TrustState(Path directory) {
        this.directory = directory;
    }

    /** {@code $XDG_STATE_HOME/obnam} or {@code ~/.local/state/obnam}. */
    public static TrustState defaultLocation() {
        String xdg = System.getenv("XDG_STATE_HOME");
        Path dir = xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute() ? Path.of(xdg, "obnam")
                : Path.of(System.getenv().getOrDefault("HOME", System.getProperty("user.home")), ".local", "state", "obnam");
        return new TrustState(dir);
    }

    private Path file(String repositoryId) {
        return directory.resolve("repository-" + repositoryId.replaceAll("[^A-Za-z0-9_-]", "_") + ".counter");
    }

    public long highestCounter(String repositoryId) throws RepositoryException {
        try {
            String text = Files.readString(file(repositoryId), StandardCharsets.UTF_8).strip();
            return Long.parseLong(text);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException | NumberFormatException e) {
            throw new RepositoryException("cannot read the client state " + file(repositoryId) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Raises the remembered counter to {@code counter} (never lowers it). Several threads or
     * processes of the same user may do this at once: a lock file serialises them.
     */
    public synchronized void remember(String repositoryId, long counter) throws RepositoryException {
        if (counter <= highestCounter(repositoryId)) {
            return;
        }
        Path target = file(repositoryId);
        Path temp = target.resolveSibling(target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.createDirectories(directory);
            try (FileChannel lock = FileChannel.open(directory.resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); var held = lock.lock()) {
                if (counter <= highestCounter(repositoryId)) {
                    return;
                }
                Files.writeString(temp, counter + "\n", StandardCharsets.UTF_8);
                try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new RepositoryException("cannot save the client state " + target + ": " + e.getMessage(), e);
        }
    }
}
