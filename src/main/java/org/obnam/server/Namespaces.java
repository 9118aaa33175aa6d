package org.obnam.server;

import java.util.concurrent.ConcurrentHashMap;
import org.obnam.store.DirectoryStore;
import org.obnam.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open store of each client namespace, opened on first use and kept open. A namespace's
 * directory must already exist ({@code client add} creates it): a missing one is an error, never
 * silently replaced by an empty store (think of an unmounted disk).
 */
final class Namespaces implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Namespaces.class);

    private final ClientRegistry registry;
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Opens one namespace at most once, without holding up requests for other namespaces. */
    private final class Slot {
        private final String namespace;
        private DirectoryStore store; // guarded by this

        Slot(String namespace) {
            this.namespace = namespace;
        }

        synchronized DirectoryStore get() throws StoreException {
            if (closed) {
                throw new StoreException("the server is shutting down");
            }
            if (store == null) {
                try {
                    store = DirectoryStore.open(registry.namespaceDir(namespace), true); // keeps every record version
                } catch (StoreException.NotFound e) {
                    // A server fault, not a missing chunk: the client must not be told "404".
                    throw new StoreException("the store of namespace " + namespace + " is missing: " + e.getMessage(), e);
                }
                LOG.debug("opened namespace {}", namespace);
            }
            return store;
        }

        synchronized void close() {
            if (store != null) {
                try {
                    store.close();
                } catch (StoreException e) {
                    LOG.warn("closing namespace {}: {}", namespace, e.getMessage());
                }
                store = null;
            }
        }
    }

    Namespaces(ClientRegistry registry) {
        this.registry = registry;
    }

    DirectoryStore store(String namespace) throws StoreException {
        return slots.computeIfAbsent(namespace, Slot::new).get();
    }

    @Override
    public void close() {
        closed = true;
        for (Slot s : slots.values()) {
            s.close();
        }
    }
}
