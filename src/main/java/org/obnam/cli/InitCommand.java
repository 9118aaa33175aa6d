package org.obnam.cli;

import java.io.Console;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.obnam.config.PasswordsFile;
import org.obnam.crypto.KdfParams;
import org.obnam.crypto.WrongPassphraseException;
import org.obnam.repository.Repository;
import org.obnam.store.Store;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

final class InitCommand implements Callable<Integer> {
    static final String NAME = "init";

    private final Main main;
    private final OptionSpec passphraseOption = CommandModel.option("--insecure-passphrase", "PASSPHRASE", String.class,
            "The passphrase on the command line (visible to other users: for tests only).");

    private InitCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        InitCommand c = new InitCommand(main);
        return CommandModel.command(c, NAME,
                "Set up encryption keys: create them in a new repository, or unlock an existing repository "
                        + "with its passphrase. The key (never the passphrase) is cached in ~/.config/obnam/passwords.yaml.",
                "The passphrase is asked for twice on a terminal, or read from OBNAM_PASSPHRASE or --insecure-passphrase.")
                .addOption(c.passphraseOption);
    }

    @Override
    public Integer call() throws Exception {
        try (Session session = main.session()) {
            session.config();
            String pass = passphrase();
            Store store = session.store(true);
            Repository.Unlocked unlocked;
            try {
                unlocked = Repository.initialise(store, pass, KdfParams.DEFAULT);
            } catch (WrongPassphraseException e) {
                throw new UserError("the passphrase does not unlock the existing repository " + store.describe());
            }
            PasswordsFile passwords = PasswordsFile.defaultLocation();
            passwords.store(unlocked.repositoryId(), unlocked.key().hex());
            Output.line((unlocked.created() ? "initialised a new repository " : "unlocked the existing repository ")
                    + store.describe());
            Output.line("keys saved in " + passwords.file());
            return ExitCodes.OK;
        }
    }

    private String passphrase() throws UserError {
        String passphrase = passphraseOption.getValue();
        if (passphrase != null) {
            return checked(passphrase);
        }
        String env = System.getenv(Session.PASSPHRASE_VARIABLE);
        if (env != null) {
            return checked(env);
        }
        Console console = System.console();
        if (console == null || !console.isTerminal()) {
            throw new UserError("no passphrase given: run obnam init on a terminal, or set " + Session.PASSPHRASE_VARIABLE);
        }
        char[] first = console.readPassword("Passphrase for encryption: ");
        char[] second = console.readPassword("Repeat passphrase: ");
        if (first == null || second == null) {
            throw new UserError("no passphrase given");
        }
        try {
            if (!Arrays.equals(first, second)) {
                throw new UserError("the passphrases do not match");
            }
            return checked(new String(first));
        } finally {
            Arrays.fill(first, '\0');
            Arrays.fill(second, '\0');
        }
    }

    private static String checked(String p) throws UserError {
        if (p.isEmpty()) {
            throw new UserError("the passphrase must not be empty");
        }
        return p;
    }
}
