package org.obnam.cli;

import java.io.Console;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.obnam.crypto.KdfParams;
import org.obnam.repository.Repository;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

final class PasswdCommand implements Callable<Integer> {
    static final String NAME = "passwd";
    static final String NEW_PASSPHRASE_VARIABLE = "OBNAM_NEW_PASSPHRASE";

    private final Main main;
    private final OptionSpec oldPassphraseOption = CommandModel.option("--insecure-passphrase", "PASSPHRASE", String.class,
            "The current passphrase on the command line (visible to other users: for tests only).");
    private final OptionSpec newPassphraseOption = CommandModel.option("--insecure-new-passphrase", "PASSPHRASE", String.class,
            "The new passphrase on the command line (visible to other users: for tests only).");

    private PasswdCommand(Main main) {
        this.main = main;
    }

    static CommandSpec spec(Main main) {
        PasswdCommand c = new PasswdCommand(main);
        return CommandModel.command(c, NAME,
                "Change the repository's passphrase. The key is re-wrapped; no data is re-encrypted, every "
                        + "generation still restores, and the old passphrase stops working.",
                "The current passphrase is asked for on a terminal, or read from OBNAM_PASSPHRASE or --insecure-passphrase;",
                "the new one is asked for twice, or read from OBNAM_NEW_PASSPHRASE or --insecure-new-passphrase.")
                .addOption(c.oldPassphraseOption).addOption(c.newPassphraseOption);
    }

    @Override
    public Integer call() throws Exception {
        try (Session session = main.session()) {
            Repository repo = session.repository();
            String current = currentPassphrase();
            try {
                // Knowing the cached key is not enough to lock the owner out: prove the passphrase.
                if (!Repository.keyRecord(repo.store()).unlock(current).equals(repo.key())) {
                    throw new UserError("the current passphrase unlocks a different key than the cached one: run obnam init");
                }
            } catch (org.obnam.crypto.WrongPassphraseException e) {
                throw new UserError("the current passphrase is wrong; the passphrase was not changed");
            }
            String pass = newPassphrase();
            Repository.changePassphrase(repo.store(), repo.key(), pass, KdfParams.DEFAULT);
            Output.line("changed the passphrase of " + repo.store().describe());
            return ExitCodes.OK;
        }
    }

    private String currentPassphrase() throws UserError {
        String oldPassphrase = oldPassphraseOption.getValue();
        String p = oldPassphrase != null ? oldPassphrase : System.getenv(Session.PASSPHRASE_VARIABLE);
        if (p != null) {
            return p;
        }
        Console console = System.console();
        if (console == null || !console.isTerminal()) {
            throw new UserError("no current passphrase given: run obnam passwd on a terminal, or set " + Session.PASSPHRASE_VARIABLE);
        }
        char[] c = console.readPassword("Current passphrase: ");
        if (c == null) {
            throw new UserError("no current passphrase given");
        }
        String s = new String(c);
        Arrays.fill(c, '\0');
        return s;
    }

    private String newPassphrase() throws UserError {
        String newPassphrase = newPassphraseOption.getValue();
        String p = newPassphrase != null ? newPassphrase : System.getenv(NEW_PASSPHRASE_VARIABLE);
        if (p == null) {
            Console console = System.console();
            if (console == null || !console.isTerminal()) {
                throw new UserError("no new passphrase given: run obnam passwd on a terminal, or set " + NEW_PASSPHRASE_VARIABLE);
            }
            char[] first = console.readPassword("New passphrase: ");
            char[] second = console.readPassword("Repeat new passphrase: ");
            if (first == null || second == null || !Arrays.equals(first, second)) {
                throw new UserError("the passphrases do not match");
            }
            p = new String(first);
            Arrays.fill(first, '\0');
            Arrays.fill(second, '\0');
        }
        if (p.isEmpty()) {
            throw new UserError("the passphrase must not be empty");
        }
        return p;
    }
}
