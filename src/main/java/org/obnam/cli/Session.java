package org.obnam.cli;

import java.nio.file.Path;
import java.util.Optional;
import org.obnam.config.ClientConfig;
import org.obnam.config.ConfigException;
import org.obnam.config.PasswordsFile;
import org.obnam.config.RepositoryLocation;
import org.obnam.crypto.KeyRecord;
import org.obnam.crypto.MasterKey;
import org.obnam.crypto.WrongPassphraseException;
import org.obnam.repository.Repository;
import org.obnam.repository.RepositoryException;
import org.obnam.repository.TrustState;
import org.obnam.store.DirectoryStore;
import org.obnam.store.Store;
import org.obnam.store.StoreException;
import org.obnam.util.IoErrors;

/**
 * What a command needs from its surroundings: the configuration, the store, the keys. Each is
 * loaded when first asked for, so a command that needs no repository does not touch one.
 */
final class Session implements AutoCloseable {
    static final String PASSPHRASE_VARIABLE = "OBNAM_PASSPHRASE";

    private final Path configFile;
    private ClientConfig config;
    private Store store;

    private final boolean debug;

    Session(Path configFile, boolean debug) {
        this.configFile = configFile == null ? ClientConfig.defaultFile() : configFile;
        this.debug = debug;
        Logging.configure(debug, null);
    }

    Path configFile() {
        return configFile;
    }

    ClientConfig config() throws ConfigException {
        if (config == null) {
            config = ClientConfig.read(configFile);
            Logging.configure(debug, config.log().orElse(null));
            for (String w : config.warnings()) {
                Output.error("obnam: warning: " + w);
            }
        }
        return config;
    }

    /** The configuration, or empty when the file does not exist (for commands that can do without). */
    Optional<ClientConfig> optionalConfig() throws ConfigException {
        if (!java.nio.file.Files.exists(configFile)) {
            return Optional.empty();
        }
        return Optional.of(config());
    }

    /** Opens the repository's store; with {@code create}, a local repository is made if missing. */
    Store store(boolean create) throws ConfigException, StoreException, UserError {
        if (store == null) {
            RepositoryLocation location = config().repository();
            store = switch (location) {
                case RepositoryLocation.Local local -> {
                    if (create) {
                        yield createLocal(local.directory());
                    }
                    try {
                        yield DirectoryStore.open(local.directory());
                    } catch (StoreException.NotFound e) {
                        throw new UserError(e.getMessage() + ": run obnam init to create it");
                    }
                }
                case RepositoryLocation.Remote remote -> RemoteStores.open(remote, config());
            };
        }
        return store;
    }

    /**
     * A new (or existing) local repository. A file where the directory (or one of its parents)
     * should be is named before anything is made. For other failures of Java's file API the store
     * names the directory but not always what went wrong (a NoSuchFileException's message is just
     * the path), so they are described here.
     */
    private static Store createLocal(Path dir) throws StoreException, UserError {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            if (java.nio.file.Files.exists(p)) {
                if (!java.nio.file.Files.isDirectory(p)) {
                    throw new UserError("cannot create a repository in " + dir + ": "
                            + (p.equals(dir.toAbsolutePath()) ? "it exists and" : p.toString()) + " is not a directory");
                }
                break;
            }
        }
        try {
            return DirectoryStore.create(dir);
        } catch (StoreException e) {
            if (e.getCause() instanceof java.io.IOException io && !(io instanceof StoreException)
                    && !(e instanceof StoreException.NoSpace)) {
                throw new UserError("cannot create a repository in " + dir + ": " + IoErrors.describe(io, dir));
            }
            throw e;
        }
    }

    /** The repository, unlocked with the cached key (or OBNAM_PASSPHRASE). */
    Repository repository() throws Exception {
        Store s = store(false);
        KeyRecord record;
        try {
            record = Repository.keyRecord(s);
        } catch (RepositoryException.NotInitialised e) {
            throw new UserError(e.getMessage());
        }
        PasswordsFile passwords = PasswordsFile.defaultLocation();
        Optional<String> hex = passwords.masterKeyHex(record.repositoryId());
        MasterKey key;
        if (hex.isPresent()) {
            key = MasterKey.fromHex(hex.get());
            if (!record.isAuthenticBy(key)) {
                throw new UserError("the key for this repository in " + passwords.file()
                        + " does not match the repository's key record (it was replaced or damaged): run obnam init");
            }
        } else if (System.getenv(PASSPHRASE_VARIABLE) != null) {
            try {
                key = record.unlock(System.getenv(PASSPHRASE_VARIABLE));
            } catch (WrongPassphraseException e) {
                throw new UserError("the passphrase in " + PASSPHRASE_VARIABLE + " does not unlock the repository "
                        + s.describe());
            }
        } else {
            throw new UserError("no key for the repository " + s.describe() + " in " + passwords.file()
                    + ": run obnam init");
        }
        return new Repository(s, key, record.repositoryId(), TrustState.defaultLocation(), compressionLevel());
    }

    private int compressionLevel() throws ConfigException {
        var c = config().compression();
        return c.enabled() ? c.level() : 0;
    }

    /**
     * Scratch space for generation databases: {@code $XDG_CACHE_HOME/obnam/tmp} or
     * {@code ~/.cache/obnam/tmp}. The databases list every file name, so the directory is
     * owner-only; the cache directory carries a CACHEDIR.TAG so that backing up a home directory
     * skips it.
     */
    static Path scratch() {
        Path cache = cacheDir();
        Path tmp = cache.resolve("tmp");
        try {
            var ownerOnly = java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            if (!java.nio.file.Files.isDirectory(tmp)) {
                java.nio.file.Files.createDirectories(cache);
                java.nio.file.Files.createDirectories(tmp, ownerOnly);
            }
            java.nio.file.Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Path tag = cache.resolve("CACHEDIR.TAG");
            if (!java.nio.file.Files.exists(tag)) {
                java.nio.file.Files.writeString(tag, "Signature: 8a477f597d28d172789f06886806bc55\n"
                        + "# This file is a cache directory tag created by Obnam: backups skip this directory.\n"
                        + "# For information about cache directory tags, see https://bford.info/cachedir/\n");
            }
        } catch (java.io.IOException e) {
            // The caller's own use of the directory reports the problem with its path.
        }
        return tmp;
    }

    /**
     * Where backups keep the last generation database they wrote, per repository:
     * {@code ~/.cache/obnam/generations} (owner-only, inside the tagged cache directory).
     */
    static Path generationCache() {
        return cacheDir().resolve("generations"); // the backup makes it, owner-only, when it keeps one
    }

    /** {@code $XDG_CACHE_HOME/obnam} or {@code ~/.cache/obnam}: just the path, nothing is made. */
    private static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                : Path.of(System.getenv().getOrDefault("HOME", System.getProperty("user.home")), ".cache");
        return base.resolve("obnam");
    }

    @Override
    public void close() throws StoreException {
        if (store != null) {
            store.close();
        }
    }
}
