package org.obnam.cli;

import org.obnam.config.ClientConfig;
import org.obnam.config.RepositoryLocation;
import org.obnam.store.HttpStore;
import org.obnam.store.RetryingStore;
import org.obnam.store.Store;
import org.obnam.store.StoreException;

/** Opens a store on an obnam-server: HTTPS with the client's token, retrying transient failures. */
final class RemoteStores {
    private RemoteStores() {}

    static Store open(RepositoryLocation.Remote remote, ClientConfig config) throws UserError, StoreException {
        String token = config.accessToken().orElseThrow(() -> new UserError("configuration file " + config.file()
                + " names the server " + remote + " but no access_token or access_token_file: ask the server's operator"
                + " for a token (obnam-server client add)"));
        // Packs are written to the owner-only scratch directory as they fill, then uploaded from
        // there: memory holds no whole packs (their blobs are encrypted, so the files reveal nothing).
        return new RetryingStore(new HttpStore(remote.url().toString(), token, config.verifyTlsCert(),
                config.caCert().orElse(null), Session.scratch()));
    }
}
