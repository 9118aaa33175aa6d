package org.obnam.server;

import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.obnam.config.ServerConfig;
import org.obnam.store.DirectoryStore;
import org.obnam.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API: authenticates the bearer token, finds the client's namespace, checks the right the
 * route needs, and calls the endpoint. Routes exist with and without the {@code /v1} prefix (the
 * shorter form is Rust Obnam's older one).
 *
 * <p>Order matters for isolation: nothing is looked up before the token is accepted, and the right
 * is checked before the store is touched, so neither a bad token nor a missing right ever learns
 * whether a chunk exists. Every store is a client's own namespace; no route takes a namespace from
 * the request.
 */
final class ApiHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);

    private final ClientRegistry clients;
    private final Namespaces namespaces;
    private final ChunkEndpoints chunks;
    private final RecordEndpoints records;
    private final BodyBudget budget;
    private final long idleTimeoutMillis;

    ApiHandler(ServerConfig config, ClientRegistry clients, Namespaces namespaces, BodyBudget budget) {
        super(InvocationType.BLOCKING); // endpoints read bodies and fsync: they block
        this.clients = clients;
        this.namespaces = namespaces;
        this.budget = budget;
        this.idleTimeoutMillis = config.idleTimeoutSeconds() * 1000L;
        // Chunks stream, so only max_body_bytes bounds them; a label list is read whole, within the budget's limit.
        this.chunks = new ChunkEndpoints(config.maxBodyBytes(), budget.maxBody(), config.maxLabelsPerLookup());
        this.records = new RecordEndpoints(budget.maxBody());
    }

    private enum Route {
        CHUNKS("GET, POST"),
        CHUNK("GET, HEAD, DELETE"),
        LABELS("POST"),
        OBJECTS("GET"),
        RECORDS("GET"),
        RECORD("GET, PUT");

        final String allow;

        Route(String allow) {
            this.allow = allow;
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Exchange ex = new Exchange(request, response, callback, budget, idleTimeoutMillis);
        long started = System.nanoTime();
        String who = "-";
        try {
            ClientRegistry.Principal principal = authenticate(ex);
            who = principal.client();
            dispatch(ex, principal);
        } catch (ApiError e) {
            ex.sendError(e);
        } catch (StoreException e) {
            ex.sendError(fromStore(ex, e));
        } catch (RuntimeException e) {
            LOG.error("{} {} failed unexpectedly", ex.method(), ex.path(), e);
            ex.sendError(new ApiError(500, "internal server error; the server's log says more"));
        } finally {
            ex.releaseBody();
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} {} -> {} in {} ms", who, ex.method(), ex.path(), ex.status(),
                    (System.nanoTime() - started) / 1_000_000);
        }
        return true;
    }

    private ClientRegistry.Principal authenticate(Exchange ex) throws ApiError {
        String header = ex.header("Authorization");
        if (header == null) {
            throw unauthorized("an access token is needed: send Authorization: Bearer TOKEN");
        }
        String h = header.strip();
        if (h.length() < 7 || !h.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            throw unauthorized("an access token is needed: send Authorization: Bearer TOKEN");
        }
        return clients.authenticate(h.substring(7).strip())
                .orElseThrow(() -> unauthorized("the access token is not valid"));
    }

    private static ApiError unauthorized(String message) {
        return new ApiError(401, message).header("WWW-Authenticate", "Bearer realm=\"obnam\"");
    }

    private void dispatch(Exchange ex, ClientRegistry.Principal principal) throws ApiError, StoreException {
        String path = ex.path();
        if (path == null) {
            throw ApiError.notFound("no such endpoint");
        }
        if (path.equals("/v1") || path.startsWith("/v1/")) {
            path = path.substring(3);
        }
        String[] seg = path.split("/", -1); // seg[0] is the empty string before the leading slash
        Route route = null;
        String name = null;
        if (seg.length == 2 && seg[0].isEmpty()) {
            route = switch (seg[1]) {
                case "chunks" -> Route.CHUNKS;
                case "labels" -> Route.LABELS;
                case "objects" -> Route.OBJECTS;
                case "records" -> Route.RECORDS;
                default -> null;
            };
        } else if (seg.length == 3 && seg[0].isEmpty()) {
            name = seg[2];
            route = switch (seg[1]) {
                case "chunks" -> Route.CHUNK;
                case "records" -> Route.RECORD;
                default -> null;
            };
        }
        if (route == null) {
            throw ApiError.notFound("no such endpoint: the API is described in docs/server.md");
        }
        String method = ex.method();
        if (!Set.of(route.allow.split(", ")).contains(method)) {
            throw new ApiError(405, method + " is not allowed here; allowed: " + route.allow)
                    .header("Allow", route.allow);
        }
        require(principal, switch (method) {
            case "POST" -> route == Route.LABELS ? Right.READ : Right.APPEND;
            case "PUT" -> Right.APPEND;
            case "DELETE" -> Right.DELETE;
            default -> Right.READ;
        });
        DirectoryStore store = namespaces.store(principal.namespace());
        switch (route) {
            case CHUNKS -> {
                if (method.equals("POST")) {
                    chunks.create(ex, store);
                } else {
                    chunks.search(ex, store);
                }
            }
            case CHUNK -> {
                if (method.equals("DELETE")) {
                    chunks.delete(ex, store, name);
                } else {
                    chunks.fetch(ex, store, name, method.equals("HEAD"));
                }
            }
            case LABELS -> chunks.lookup(ex, store);
            case OBJECTS -> chunks.objects(ex, store);
            case RECORDS -> records.names(ex, store);
            case RECORD -> {
                if (method.equals("PUT")) {
                    records.put(ex, store, name);
                } else {
                    records.get(ex, store, name);
                }
            }
        }
    }

    private static void require(ClientRegistry.Principal principal, Right right) throws ApiError {
        if (!principal.rights().contains(right)) {
            throw new ApiError(403, "this access token does not have the " + right.label() + " right");
        }
    }

    /** Store failures the endpoints did not turn into an answer themselves. Details go to the log only. */
    private static ApiError fromStore(Exchange ex, StoreException e) {
        return switch (e) {
            case StoreException.NotFound nf -> ApiError.notFound("not found");
            case StoreException.BadRequest br -> ApiError.badRequest("the store refused the request");
            case StoreException.Conflict c -> new ApiError(409, "conflict").with("version", c.currentVersion());
            case StoreException.NoSpace ns -> {
                LOG.error("{} {}: {}", ex.method(), ex.path(), e.getMessage());
                yield new ApiError(507, "the server has run out of storage space; its operator must free some")
                        .with("no_space", true);
            }
            case StoreException.Corrupt c -> {
                LOG.error("{} {}: {}", ex.method(), ex.path(), e.getMessage());
                yield new ApiError(500, "the data is damaged on the server").with("corrupt", true);
            }
            default -> {
                LOG.error("{} {}: {}", ex.method(), ex.path(), e.getMessage(), e);
                yield new ApiError(500, "the server cannot reach its storage; the server's log says more");
            }
        };
    }
}
