package org.obnam.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.obnam.fs.Dir;
import org.obnam.fs.OpenFile;
import org.obnam.fs.RawName;
import org.obnam.fs.RawPath;

class SizedSourceTest {
    @TempDir
    Path dir;

    /**
     * Whatever size the walk saw, every byte the file has when it is read is read: a file that
     * grew or shrank since is neither cut short nor padded.
     */
    @ParameterizedTest
    @CsvSource({"1000, 1000, 4096", "1000, 400, 4096", "1000, 5000, 4096", "1000, 1000, 1000", "1000, 1000, 7",
            "0, 0, 16", "0, 10, 16", "10, 0, 16"})
    void readsTheWholeFileWhateverSizeTheWalkSaw(int actual, long walked, int bufferSize) throws Exception {
        byte[] content = new byte[actual];
        for (int i = 0; i < actual; i++) {
            content[i] = (byte) (i * 31 + 7);
        }
        Files.write(dir.resolve("f"), content);
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        try (Dir d = Dir.open(RawPath.ofUtf8(dir.toString())); OpenFile f = d.openRead(RawName.ofUtf8("f"))) {
            FileReader.SizedSource source = new FileReader.SizedSource(f, walked);
            byte[] buf = new byte[bufferSize];
            int n;
            int calls = 0;
            while ((n = source.read(buf, 0, buf.length)) >= 0 && calls++ < 10_000) {
                read.write(buf, 0, n);
            }
            assertThat(source.read(buf, 0, buf.length)).isEqualTo(-1);
        }
        assertThat(read.toByteArray()).isEqualTo(content);
    }
}
