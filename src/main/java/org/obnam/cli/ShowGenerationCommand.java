package org.obnam.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

final class ShowGenerationCommand implements Callable<Integer> {
    static final String NAME = "show-generation";

    private final Main main;
    private final PositionalParamSpec generationParameter = CommandModel.optionalGeneration();

    private ShowGenerationCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        ShowGenerationCommand c = new ShowGenerationCommand(main);
        return CommandModel.command(c, NAME,
                "Show a generation's metadata as JSON: file count, bytes, database size, schema version.")
                .addPositional(c.generationParameter);
    }

    @Override
    public Integer call() throws Exception {
        return show(main, generationParameter.getValue());
    }

    static int show(Main main, String ref) throws Exception {
        try (Session session = main.session(); OpenGeneration gen = OpenGeneration.open(session.repository(), ref)) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("generation_id", gen.item.id().value());
            out.put("started", gen.record.started().toString());
            out.put("ended", gen.record.ended().toString());
            out.put("file_count", gen.reader.fileCount());
            out.put("file_bytes", gen.reader.fileBytes());
            out.put("db_bytes", gen.record.dbBytes());
            Map<String, Object> version = new LinkedHashMap<>();
            version.put("major", gen.reader.schemaVersion().major());
            version.put("minor", gen.reader.schemaVersion().minor());
            out.put("schema_version", version);
            out.put("checksum_kind", gen.reader.meta().getOrDefault("checksum_kind", "hmac-sha256"));
            out.put("extras", Map.of());
            Output.line(Json.pretty(out));
            return ExitCodes.OK;
        }
    }
}
