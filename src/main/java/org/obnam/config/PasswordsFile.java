package org.obnam.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.obnam.util.IoErrors;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * {@code ~/.config/obnam/passwords.yaml}: the unlocked key material of each repository this user
 * has initialised, by repository id. Never the passphrase. Readable by its owner only: a file that
 * group or others can read is refused, because it would let them read every backup.
 */
public final class PasswordsFile {
    private static final Pattern ID = Pattern.compile("[0-9a-f]{8,64}");
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{128}");
    private final Path file;

    public PasswordsFile(Path file) {
        this.file = file;
    }

    public static PasswordsFile defaultLocation() {
        return new PasswordsFile(ClientConfig.configDirectory().resolve("passwords.yaml"));
    }

    public Path file() {
        return file;
    }

    /** The key material (hex) stored for {@code repositoryId}, if any. */
    public Optional<String> masterKeyHex(String repositoryId) throws ConfigException {
        return Optional.ofNullable(read().get(repositoryId));
    }

    private Map<String, String> read() throws ConfigException {
        Set<PosixFilePermission> perms;
        String text;
        try {
            perms = Files.getPosixFilePermissions(file);
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new TreeMap<>();
        } catch (IOException e) {
            throw new ConfigException("cannot read passwords file " + file + ": " + IoErrors.describe(e, file));
        }
        if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)
                || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new ConfigException("passwords file " + file + " is insecure: it can be read or written by group or others"
                    + " (mode " + PosixFilePermissions.toString(perms) + "); fix it with: chmod 600 " + file);
        }
        Object root;
        try {
            root = new Load(LoadSettings.builder().build()).loadFromString(text);
        } catch (YamlEngineException e) {
            throw new ConfigException("passwords file " + file + " is damaged: not valid YAML");
        }
        Map<String, String> keys = new TreeMap<>();
        if (root == null) {
            return keys;
        }
        if (!(root instanceof Map<?, ?> m) || !(m.get("repositories") instanceof Map<?, ?> repos)) {
            throw new ConfigException("passwords file " + file + " is damaged: it has no repositories mapping");
        }
        for (Map.Entry<?, ?> e : repos.entrySet()) {
            if (!(e.getKey() instanceof String id) || !ID.matcher(id).matches() || !(e.getValue() instanceof Map<?, ?> v)
                    || !(v.get("master_key") instanceof String k) || !KEY.matcher(k).matches()) {
                throw new ConfigException("passwords file " + file + " is damaged: entry " + e.getKey() + " is malformed");
            }
            keys.put(id, k);
        }
        return keys;
    }

    /** Stores (or replaces) a repository's key, atomically, with mode 0600 from the start. */
    public void store(String repositoryId, String masterKeyHex) throws ConfigException {
        Map<String, String> keys = new LinkedHashMap<>(read());
        keys.put(repositoryId, masterKeyHex);
        StringBuilder yaml = new StringBuilder();
        yaml.append("# Obnam repository keys. Anyone who can read this file can read your backups:\n");
        yaml.append("# keep it private (mode 0600). It never holds your passphrase.\n");
        yaml.append("repositories:\n");
        for (Map.Entry<String, String> e : new TreeMap<>(keys).entrySet()) {
            yaml.append("  \"").append(e.getKey()).append("\":\n");
            yaml.append("    master_key: \"").append(e.getValue()).append("\"\n");
        }
        Path dir = file.toAbsolutePath().getParent();
        Path temp = dir.resolve("." + file.getFileName() + ".tmp");
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Files.deleteIfExists(temp);
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temp, yaml, StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ConfigException("cannot write passwords file " + file + ": " + IoErrors.describe(e, file));
        }
    }
}
