import java.io.IOException;
import java.lang.classfile.ClassElement;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.MethodTransform;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.net.URI;
import java.net.URLClassLoader;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Build step: rewrites class files older than Java 6 (picocli ships Java 5 bytecode) in a jar
 * to the running JDK's class-file version, with stack maps. The JDK's AOT cache refuses to store
 * classes that need the old verifier, and picocli's start-up is most of a short command's time.
 * The code itself is not changed.
 *
 * Usage: java build-tools/UpgradeClassFiles.java target/obnam.jar
 */
public class UpgradeClassFiles {
    public static void main(String[] args) throws IOException {
        Path jar = Path.of(args[0]).toAbsolutePath();
        int upgraded = 0;
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {jar.toUri().toURL()}, null);
                FileSystem fs = FileSystems.newFileSystem(URI.create("jar:" + jar.toUri()), Map.of())) {
            ClassFile cf = ClassFile.of(
                    ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
                            .orElse(ClassHierarchyResolver.ofResourceParsing(loader))),
                    ClassFile.StackMapsOption.GENERATE_STACK_MAPS);
            List<Path> classes;
            try (Stream<Path> s = Files.walk(fs.getPath("/"))) {
                classes = s.filter(p -> p.toString().endsWith(".class") && !p.toString().startsWith("/META-INF/")).toList();
            }
            for (Path p : classes) {
                byte[] bytes = Files.readAllBytes(p);
                int major = ((bytes[6] & 0xff) << 8) | (bytes[7] & 0xff);
                if (major >= 50) {
                    continue;
                }
                ClassModel model = cf.parse(bytes);
                // Rebuild every method body so stack maps are computed for the new version.
                byte[] out = cf.build(model.thisClass().asSymbol(), cb -> {
                    cb.withVersion(ClassFile.latestMajorVersion(), 0);
                    for (ClassElement e : model) {
                        if (e instanceof ClassFileVersion) {
                            continue;
                        }
                        if (e instanceof MethodModel m) {
                            cb.transformMethod(m, MethodTransform.transformingCode(CodeTransform.ACCEPT_ALL));
                        } else {
                            cb.with(e);
                        }
                    }
                });
                Files.write(p, out);
                upgraded++;
            }
        }
        System.out.println("upgraded " + upgraded + " old class files in " + jar);
    }
}
