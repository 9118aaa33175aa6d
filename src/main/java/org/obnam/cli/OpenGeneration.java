package org.obnam.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.obnam.generation.GenerationReader;
import org.obnam.repository.GenerationList;
import org.obnam.repository.GenerationRecord;
import org.obnam.repository.Repository;
import org.obnam.repository.RepositoryException;

/** A generation resolved from a reference, with its database fetched and open for reading. */
final class OpenGeneration implements AutoCloseable {
    final GenerationList.Item item;
    final GenerationRecord record;
    final GenerationReader reader;
    private final Path file;

    private OpenGeneration(GenerationList.Item item, GenerationRecord record, GenerationReader reader, Path file) {
        this.item = item;
        this.record = record;
        this.reader = reader;
        this.file = file;
    }

    static GenerationList.Item resolve(Repository repo, String ref) throws Exception {
        try {
            return repo.generations().resolve(ref);
        } catch (RepositoryException e) {
            if (e instanceof RepositoryException.Rollback) {
                throw e;
            }
            throw new UserError(e.getMessage(),
                    e instanceof RepositoryException.BadReference ? ExitCodes.USAGE : ExitCodes.ERROR);
        }
    }

    static OpenGeneration open(Repository repo, String ref) throws Exception {
        GenerationList.Item item = resolve(repo, ref);
        GenerationRecord record = repo.generation(item);
        Path dir = Session.scratch();
        Files.createDirectories(dir);
        Path file = dir.resolve("read-" + UUID.randomUUID() + ".db");
        try {
            repo.fetchDatabase(record, file);
            return new OpenGeneration(item, record, GenerationReader.open(file), file);
        } catch (Exception e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        reader.close();
        Files.deleteIfExists(file);
    }
}
