package org.obnam.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.store.DirectoryStore;

class ClientRegistryTest {
    @TempDir
    Path chunks;

    @Test
    void newClientsTokenIsAcceptedWithItsRightsAndNamespace() throws Exception {
        ClientRegistry registry = ClientRegistry.in(chunks);
        ClientRegistry.NewClient alice = registry.add("alice", Right.DEFAULT);

        ClientRegistry.Principal who = registry.authenticate(alice.token()).orElseThrow();
        assertThat(who.client()).isEqualTo("alice");
        assertThat(who.rights()).containsExactlyInAnyOrder(Right.READ, Right.APPEND);
        assertThat(who.namespace()).isEqualTo(alice.namespace()).doesNotContain("alice");
        DirectoryStore.open(registry.namespaceDir(who.namespace())).close();
    }

    @Test
    void tokensAre256RandomBitsAndOnlyTheirHashesAreStored() throws Exception {
        ClientRegistry registry = ClientRegistry.in(chunks);
        String a = registry.add("a", Right.DEFAULT).token();
        String b = registry.add("b", Right.DEFAULT).token();
        assertThat(a).hasSize(43).isNotEqualTo(b); // base64url of 32 bytes
        String file = Files.readString(chunks.resolve(ClientRegistry.FILE));
        assertThat(file).doesNotContain(a).doesNotContain(b);
        assertThat(Files.getPosixFilePermissions(chunks.resolve(ClientRegistry.FILE)))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void wrongOrMissingTokensAreRefused() throws Exception {
        ClientRegistry registry = ClientRegistry.in(chunks);
        String token = registry.add("alice", Right.DEFAULT).token();
        assertThat(registry.authenticate("nope")).isEmpty();
        assertThat(registry.authenticate("")).isEmpty();
        assertThat(registry.authenticate(null)).isEmpty();
        assertThat(registry.authenticate(token.substring(1))).isEmpty();
        assertThat(registry.authenticate(token + "x")).isEmpty();
    }

    @Test
    void eachClientGetsItsOwnNamespace() throws Exception {
        ClientRegistry registry = ClientRegistry.in(chunks);
        String a = registry.add("a", Right.DEFAULT).namespace();
        String b = registry.add("b", Right.DEFAULT).namespace();
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void aRunningServerSeesClientsAddedAndRemovedByAnotherProcess() throws Exception {
        ClientRegistry server = ClientRegistry.in(chunks);
        ClientRegistry cli = ClientRegistry.in(chunks); // as `obnam-server client ...` would
        assertThat(server.authenticate("anything")).isEmpty();

        String token = cli.add("late", Right.DEFAULT).token();
        assertThat(server.authenticate(token)).isPresent();

        cli.remove("late");
        assertThat(server.authenticate(token)).isEmpty();
    }

    @Test
    void listShowsNamesAndRightsButNoTokens() throws Exception {
        ClientRegistry registry = ClientRegistry.in(chunks);
        registry.add("a", Right.DEFAULT);
        registry.add("b", EnumSet.of(Right.READ, Right.DELETE));
        List<ClientRegistry.Client> clients = registry.list();
        assertThat(clients).extracting(ClientRegistry.Client::name).containsExactly("a", "b");
        assertThat(clients.get(1).tokenRights()).containsExactly(EnumSet.of(Right.READ, Right.DELETE));
    }

    @Test
    void duplicateNameIsRefused() throws Exception {
        ClientRegistry registry = ClientRegistry.in(chunks);
        registry.add("alice", Right.DEFAULT);
        assertThatThrownBy(() -> registry.add("alice", Right.DEFAULT)).hasMessageContaining("already exists");
    }

    @Test
    void invalidNamesAndEmptyRightsAreRefused() {
        ClientRegistry registry = ClientRegistry.in(chunks);
        for (String bad : new String[] {"", "../x", "a/b", "-x", "with space", "x".repeat(65)}) {
            assertThatThrownBy(() -> registry.add(bad, Right.DEFAULT)).as(bad).hasMessageContaining("invalid client name");
        }
        assertThatThrownBy(() -> registry.add("x", EnumSet.noneOf(Right.class))).hasMessageContaining("at least one right");
    }

    @Test
    void removingAnUnknownClientSaysSo() {
        assertThatThrownBy(() -> ClientRegistry.in(chunks).remove("ghost")).hasMessageContaining("no client ghost");
    }

    @Test
    void removingKeepsTheDataAndSaysWhere() throws Exception {
        ClientRegistry registry = ClientRegistry.in(chunks);
        ClientRegistry.NewClient c = registry.add("alice", Right.DEFAULT);
        Path data = registry.remove("alice");
        assertThat(data).isEqualTo(registry.namespaceDir(c.namespace()));
        assertThat(data).isDirectory();
    }

    @Test
    void damagedClientFileRefusesEveryTokenUntilFixed() throws Exception {
        ClientRegistry server = ClientRegistry.in(chunks);
        String token = server.add("alice", Right.DEFAULT).token();
        assertThat(server.authenticate(token)).isPresent();
        Path file = chunks.resolve(ClientRegistry.FILE);
        String good = Files.readString(file);
        Files.writeString(file, "{ not json");
        assertThat(server.authenticate(token)).isEmpty();
        assertThatThrownBy(server::list).hasMessageContaining("damaged");
        Files.writeString(file, good);
        assertThat(server.authenticate(token)).isPresent();
    }

    @Test
    void anotherTokenServesTheSameNamespaceWithItsOwnRights() throws Exception {
        ClientRegistry registry = ClientRegistry.in(chunks);
        ClientRegistry.NewClient backup = registry.add("alice", Right.DEFAULT);
        ClientRegistry.NewClient prune = registry.addToken("alice", EnumSet.of(Right.READ, Right.DELETE), false);

        ClientRegistry.Principal viaPrune = registry.authenticate(prune.token()).orElseThrow();
        assertThat(viaPrune.namespace()).isEqualTo(backup.namespace());
        assertThat(viaPrune.rights()).containsExactlyInAnyOrder(Right.READ, Right.DELETE);
        assertThat(registry.authenticate(backup.token())).isPresent();
        assertThat(registry.list().getFirst().tokenRights()).hasSize(2);
    }

    @Test
    void replacingRotatesTheTokenAndKeepsTheNamespace() throws Exception {
        ClientRegistry registry = ClientRegistry.in(chunks);
        ClientRegistry.NewClient old = registry.add("alice", Right.DEFAULT);
        ClientRegistry.NewClient rotated = registry.addToken("alice", Right.DEFAULT, true);
        assertThat(registry.authenticate(old.token())).isEmpty();
        assertThat(registry.authenticate(rotated.token()).orElseThrow().namespace()).isEqualTo(old.namespace());
        assertThatThrownBy(() -> registry.addToken("ghost", Right.DEFAULT, false)).hasMessageContaining("no client ghost");
    }

    @Test
    void rightsParseFromTheCommandLine() {
        assertThat(Right.parseList("read,append")).containsExactlyInAnyOrder(Right.READ, Right.APPEND);
        assertThat(Right.parseList(" delete ")).containsExactly(Right.DELETE);
        assertThatThrownBy(() -> Right.parseList("read,write")).hasMessageContaining("write");
        assertThat(Right.format(EnumSet.allOf(Right.class))).isEqualTo("read,append,delete");
    }

    @org.junit.jupiter.api.Test
    void aChunksDirectoryThatCannotBeMadeIsAnError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(tmp.resolve("file"), "x");
        ClientRegistry below = ClientRegistry.in(file.resolve("chunks"));
        org.assertj.core.api.Assertions.assertThatThrownBy(below::createChunksDir)
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("exists and is not a directory");
        ClientRegistry onIt = ClientRegistry.in(file);
        org.assertj.core.api.Assertions.assertThatThrownBy(onIt::createChunksDir)
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("exists and is not a directory");
    }
}
