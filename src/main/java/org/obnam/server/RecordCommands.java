package org.obnam.server;

import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import org.obnam.config.ConfigException;
import org.obnam.config.ServerConfig;
import org.obnam.store.DirectoryStore;
import org.obnam.store.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code obnam-server record list|restore}: the operator's view of a client's records (such as its
 * generation list) and every earlier version the server kept, and the way back to one of them after
 * a client's token was abused to overwrite a record. They work while the server runs: a record is
 * changed under the same lock the server uses.
 */
@Command(
        name = "record",
        mixinStandardHelpOptions = true,
        description = "Inspect a client's records and restore an earlier version of one.",
        subcommands = {RecordCommands.ListVersions.class, RecordCommands.Restore.class})
final class RecordCommands {
    private RecordCommands() {}

    abstract static class WithClient implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, required = true, paramLabel = "CONFIG.yaml",
                description = "the server's configuration file")
        Path config;

        @Parameters(index = "0", paramLabel = "CLIENT", description = "the client's name")
        String client;

        @Override
        public Integer call() throws Exception {
            try {
                ClientRegistry registry = ClientRegistry.in(ServerConfig.load(config, false).chunks());
                ClientRegistry.Client c = registry.list().stream().filter(x -> x.name().equals(client)).findFirst()
                        .orElseThrow(() -> new ServerException("there is no client " + client
                                + " (obnam-server client list shows the clients)"));
                try (DirectoryStore store = DirectoryStore.open(registry.namespaceDir(c.namespace()), true)) {
                    run(store);
                }
                return 0;
            } catch (ConfigException | ServerException | StoreException e) {
                System.err.println("obnam-server: " + e.getMessage());
                return 1;
            }
        }

        abstract void run(DirectoryStore store) throws StoreException, ServerException;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the client's records, or with NAME every kept version of that record:",
                "version, size in bytes, when it was written (UTC); the current version is marked."})
    static final class ListVersions extends WithClient {
        @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "a record, such as generations")
        String name;

        @Override
        void run(DirectoryStore store) throws StoreException {
            if (name == null) {
                for (String n : store.recordNames()) {
                    System.out.println(n);
                }
                return;
            }
            List<DirectoryStore.RecordVersion> versions = store.recordVersions(name);
            if (versions.isEmpty()) {
                throw new StoreException.NotFound("the client has no record " + name);
            }
            for (DirectoryStore.RecordVersion v : versions) {
                System.out.println(v.version() + "\t" + (v.bytes() < 0 ? "damaged" : Integer.toString(v.bytes()))
                        + "\t" + v.written().truncatedTo(ChronoUnit.SECONDS) + (v.current() ? "\tcurrent" : ""));
            }
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = {"Make an earlier version of a record current again. Its content is written as a new",
                "version, so nothing is lost: the version it replaces stays in the history too."})
    static final class Restore extends WithClient {
        @Parameters(index = "1", paramLabel = "NAME", description = "the record, such as generations")
        String name;

        @Parameters(index = "2", paramLabel = "VERSION", description = "the version to restore (see record list)")
        long version;

        @Override
        void run(DirectoryStore store) throws StoreException, ServerException {
            long now;
            try {
                now = store.restoreRecordVersion(name, version);
            } catch (StoreException.Conflict e) {
                throw new ServerException("record " + name + " changed while it was being restored: run the command again");
            }
            System.out.println("Restored version " + version + " of record " + name + " of client " + client
                    + " as its new current version " + now + ".");
        }
    }
}
