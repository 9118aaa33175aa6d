package org.obnam.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import org.obnam.chunking.Chunker;
import org.obnam.chunking.ChunkerParams;
import org.obnam.config.ClientConfig;
import org.obnam.util.JsonTree;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

final class ChunkifyCommand implements Callable<Integer> {
    static final String NAME = "chunkify";

    private final Main main;
    private final PositionalParamSpec filesParameter = PositionalParamSpec.builder().index("0..*").arity("1..*")
            .required(true).paramLabel("FILE").type(List.class).auxiliaryTypes(Path.class).build();

    private ChunkifyCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        ChunkifyCommand c = new ChunkifyCommand(main);
        return CommandModel.command(c, NAME, "Split files into chunks as a backup would, and print them as JSON: "
                + "filename, offset, len, and the SHA-256 checksum of each chunk's content.")
                .addPositional(c.filesParameter);
    }

    @Override
    public Integer call() throws Exception {
        List<Path> files = filesParameter.getValue();
        try (Session session = main.session()) {
            int chunkSize = session.optionalConfig().map(ClientConfig::chunkSize).orElse(ClientConfig.DEFAULT_CHUNK_SIZE);
            Chunker.Splitter splitter = new Chunker.Splitter(ChunkerParams.forMaxSize(chunkSize));
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            // Written as the chunks are found: a list of them all ran out of memory for files of
            // some hundred thousand chunks (small chunk_size settings).
            JsonGenerator json = JsonTree.generator(Output.stream()).useDefaultPrettyPrinter();
            // Not closed on failure: closing writes the array's end, and what was written must
            // not read as a whole list when a file could not be read (exit 1, output cut short).
            json.disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT);
            json.writeStartArray();
            for (Path f : files) {
                long[] offset = {0};
                try (InputStream in = FileArguments.open(f)) {
                    splitter.split(in::read, (buf, off, len) -> {
                        sha.update(buf, off, len);
                        json.writeStartObject();
                        json.writeStringField("filename", f.toString());
                        json.writeNumberField("offset", offset[0]);
                        json.writeNumberField("len", len);
                        json.writeStringField("checksum", HexFormat.of().formatHex(sha.digest()));
                        json.writeEndObject();
                        offset[0] += len;
                    });
                } catch (IOException e) {
                    throw FileArguments.cannotRead(f, e);
                }
            }
            json.writeEndArray();
            json.close();
            Output.line("");
            return ExitCodes.OK;
        }
    }
}
