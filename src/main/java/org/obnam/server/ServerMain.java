package org.obnam.server;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.obnam.config.ConfigException;
import org.obnam.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code obnam-server CONFIG.yaml} runs the chunk server until it gets SIGTERM or SIGINT;
 * {@code obnam-server client ...} manages clients and tokens. Exit codes: 0 success, 1 error,
 * 2 usage error.
 */
@Command(
        name = "obnam-server",
        mixinStandardHelpOptions = true,
        versionProvider = ServerMain.Version.class,
        subcommands = {ClientCommands.class, RecordCommands.class, CommandLine.HelpCommand.class},
        description = {
            "The Obnam chunk server: stores encrypted chunks for many clients over HTTPS.",
            "Run it with its configuration file; manage clients with the client command, and restore",
            "an earlier version of a client's record (after a token was abused) with the record command.",
            "Logging goes to stderr; OBNAM_SERVER_LOG sets the level (error, warn, info, debug)."
        })
public final class ServerMain implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "CONFIG.yaml", description = "the server's configuration file")
    Path config;

    public static void main(String[] args) {
        for (String problem : ServerLog.configure(System.getenv(ServerLog.VARIABLE))) {
            System.err.println("obnam-server: " + problem);
        }
        int code = commandLine().execute(args);
        if (code != 0 || !serving) {
            System.exit(code);
        }
        // After SIGTERM the JVM is already exiting: calling System.exit here would wait for ever.
    }

    private static volatile boolean serving;

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new ServerMain());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("obnam-server: " + e.getMessage());
            return 1;
        });
        return cl;
    }

    @Override
    public Integer call() throws Exception {
        if (config == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Missing the configuration file: obnam-server CONFIG.yaml");
        }
        Logger log = LoggerFactory.getLogger(ServerMain.class);
        log.info("Obnam server starting up");
        ChunkServer server;
        try {
            server = ChunkServer.start(ServerConfig.load(config));
        } catch (ConfigException | ServerException e) {
            System.err.println("obnam-server: " + e.getMessage());
            return 1;
        }
        serving = true;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Obnam server shutting down");
            server.stop();
            log.info("Obnam server stopped");
            stopped.countDown();
        }, "obnam-server-shutdown"));
        server.join();
        stopped.await();
        return 0;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ServerMain.class.getPackage().getImplementationVersion();
            return new String[] {"obnam-server " + (v == null ? "(development build)" : v)};
        }
    }
}
