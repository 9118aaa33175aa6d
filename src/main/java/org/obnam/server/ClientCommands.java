package org.obnam.server;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.obnam.config.ConfigException;
import org.obnam.config.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code obnam-server client add|list|remove}: manage the clients of a server, running or not. They
 * read only {@code chunks} from the configuration, so they work for a user who cannot read the TLS key.
 */
@Command(
        name = "client",
        mixinStandardHelpOptions = true,
        description = "Manage clients and their access tokens.",
        subcommands = {ClientCommands.Add.class, ClientCommands.ListClients.class, ClientCommands.Remove.class,
            ClientCommands.NewToken.class})
final class ClientCommands {
    private ClientCommands() {}

    abstract static class WithConfig implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, required = true, paramLabel = "CONFIG.yaml",
                description = "the server's configuration file")
        Path config;

        ClientRegistry registry() throws ConfigException {
            return ClientRegistry.in(ServerConfig.load(config, false).chunks());
        }

        @Override
        public Integer call() throws Exception {
            try {
                run();
                return 0;
            } catch (ConfigException | ServerException e) {
                System.err.println("obnam-server: " + e.getMessage());
                return 1;
            }
        }

        abstract void run() throws ConfigException, ServerException;

        static Set<Right> parseRights(String text) throws ServerException {
            try {
                return Right.parseList(text);
            } catch (IllegalArgumentException e) {
                throw new ServerException(e.getMessage());
            }
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Create a client with its own namespace and print its new access token.",
                "The token is the last line of the output and is shown only this once."})
    static final class Add extends WithConfig {
        @Parameters(paramLabel = "NAME", description = "the client's name, such as its host name")
        String name;

        @Option(names = "--rights", paramLabel = "RIGHTS", defaultValue = "read,append",
                description = "comma-separated rights of the token: read, append, delete (default: ${DEFAULT-VALUE})")
        String rights;

        @Override
        void run() throws ConfigException, ServerException {
            Set<Right> parsed = parseRights(rights);
            ClientRegistry.NewClient c = registry().add(name, parsed);
            System.out.println("Added client " + c.name() + " with rights " + Right.format(c.rights()) + ".");
            System.out.println("Its access token follows; it is shown only now. Give it to the client as access_token"
                    + " or in access_token_file:");
            System.out.println(c.token());
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true,
            description = {"Give an existing client another access token for the same namespace and print it.",
                "With --replace its other tokens stop working (to rotate a token that may have leaked).",
                "The token is the last line of the output and is shown only this once."})
    static final class NewToken extends WithConfig {
        @Parameters(paramLabel = "NAME", description = "the client")
        String name;

        @Option(names = "--rights", paramLabel = "RIGHTS", defaultValue = "read,append",
                description = "comma-separated rights of the token: read, append, delete (default: ${DEFAULT-VALUE})")
        String rights;

        @Option(names = "--replace", description = "revoke the client's other tokens")
        boolean replace;

        @Override
        void run() throws ConfigException, ServerException {
            Set<Right> parsed = parseRights(rights);
            ClientRegistry.NewClient c = registry().addToken(name, parsed, replace);
            System.out.println("New token for client " + c.name() + " with rights " + Right.format(c.rights())
                    + (replace ? "; its other tokens no longer work." : "."));
            System.out.println("It is shown only now:");
            System.out.println(c.token());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the clients: name, rights of each token, and when each was added.")
    static final class ListClients extends WithConfig {
        @Override
        void run() throws ConfigException, ServerException {
            List<ClientRegistry.Client> clients = registry().list();
            for (ClientRegistry.Client c : clients) {
                List<String> rights = c.tokenRights().stream().map(Right::format).toList();
                System.out.println(c.name() + "\t" + String.join(" ", rights) + "\t" + c.created());
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = {"Remove a client: its tokens stop working at once.",
                "Its chunks stay on disk; the message says where, so you can delete them."})
    static final class Remove extends WithConfig {
        @Parameters(paramLabel = "NAME", description = "the client to remove")
        String name;

        @Override
        void run() throws ConfigException, ServerException {
            Path data = registry().remove(name);
            System.out.println("Removed client " + name + ". Its chunks remain in " + data
                    + "; delete that directory to free the space.");
        }
    }
}
