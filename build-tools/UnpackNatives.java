import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.jar.JarFile;

/**
 * Build step: unpacks the native libraries of sqlite-jdbc and zstd-jni for this platform from the
 * jar into a directory, so the launcher can load them directly instead of both libraries
 * unpacking themselves into /tmp (and sqlite-jdbc running `uname`) on every start.
 *
 * Usage: java build-tools/UnpackNatives.java target/obnam.jar target/native
 */
public class UnpackNatives {
    public static void main(String[] args) throws IOException {
        String arch = System.getProperty("os.arch");
        Map<String, String> wanted = switch (arch) {
            case "amd64", "x86_64" -> Map.of("org/sqlite/native/Linux/x86_64/libsqlitejdbc.so", "libsqlitejdbc.so");
            case "aarch64" -> Map.of("org/sqlite/native/Linux/aarch64/libsqlitejdbc.so", "libsqlitejdbc.so");
            default -> Map.of();
        };
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        try (JarFile jar = new JarFile(args[0])) {
            for (var e : wanted.entrySet()) {
                var entry = jar.getJarEntry(e.getKey());
                if (entry == null) {
                    continue;
                }
                try (InputStream in = jar.getInputStream(entry)) {
                    Files.copy(in, out.resolve(e.getValue()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            // zstd-jni looks for its library by its versioned name on java.library.path.
            String zstdDir = switch (arch) {
                case "amd64", "x86_64" -> "linux/amd64/";
                case "aarch64" -> "linux/aarch64/";
                default -> null;
            };
            if (zstdDir != null) {
                for (var entries = jar.entries(); entries.hasMoreElements();) {
                    var entry = entries.nextElement();
                    String name = entry.getName();
                    if (name.startsWith(zstdDir) && name.endsWith(".so") && name.indexOf('/', zstdDir.length()) < 0) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            Files.copy(in, out.resolve(name.substring(zstdDir.length())), StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            }
        }
        System.out.println("unpacked native libraries for " + arch + " into " + out);
    }
}
