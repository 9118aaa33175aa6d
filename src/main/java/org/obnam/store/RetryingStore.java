package org.obnam.store;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Retries another store's {@link StoreException.Transient} failures (network trouble, a busy or
 * restarting server) with exponential backoff and jitter, within a bounded number of attempts and
 * total time. Every other failure (not found, conflict, forbidden, bad request, corrupt) is passed
 * on at once: trying again would give the same answer.
 *
 * <p>A write whose answer was lost may have happened. A retried put may leave a duplicate object
 * (harmless: dedup finds either); a retried delete that finds the object gone counts as done; a
 * retried compare-and-set that loses to a version holding exactly its own body counts as won.
 */
public final class RetryingStore implements Store {
    /** How hard to try. Delays double from {@code initialDelay} up to {@code maxDelay}, each randomised. */
    public record Policy(int maxAttempts, Duration initialDelay, Duration maxDelay, Duration maxTotal) {
        public static final Policy DEFAULT =
                new Policy(8, Duration.ofMillis(250), Duration.ofSeconds(30), Duration.ofMinutes(5));

        public Policy {
            if (maxAttempts < 1 || initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0
                    || maxTotal.isNegative()) {
                throw new IllegalArgumentException("retry policy needs at least one attempt and non-negative delays");
            }
        }

        /**
         * The delay before attempt {@code attempt + 1} (attempt counts from 1): "equal jitter", half
         * fixed and half random, so clients that failed together do not return together.
         */
        long delayMillis(int attempt) {
            long cap = maxDelay.toMillis();
            long exp = initialDelay.toMillis() << Math.min(attempt - 1, 30);
            long d = Math.min(cap, exp < 0 ? cap : exp);
            long half = d / 2;
            return half + (half > 0 ? ThreadLocalRandom.current().nextLong(half + 1) : 0);
        }
    }

    /** Waits between attempts; tests replace it to run without sleeping. */
    interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    /** Time source for the total-time bound. */
    interface Clock {
        long nanoTime();
    }

    private interface Call<T> {
        T run() throws StoreException;
    }

    private final Store inner;
    private final Policy policy;
    private final Sleeper sleeper;
    private final Clock clock;

    public RetryingStore(Store inner) {
        this(inner, Policy.DEFAULT);
    }

    public RetryingStore(Store inner, Policy policy) {
        this(inner, policy, Thread::sleep, System::nanoTime);
    }

    RetryingStore(Store inner, Policy policy, Sleeper sleeper, Clock clock) {
        this.inner = inner;
        this.policy = policy;
        this.sleeper = sleeper;
        this.clock = clock;
    }

    private <T> T retry(String what, Call<T> call) throws StoreException {
        long start = clock.nanoTime();
        long budget = policy.maxTotal().toNanos();
        for (int attempt = 1; ; attempt++) {
            try {
                return call.run();
            } catch (StoreException.Transient e) {
                long delay = policy.delayMillis(attempt);
                long elapsed = clock.nanoTime() - start;
                if (attempt >= policy.maxAttempts() || elapsed + delay * 1_000_000 > budget) {
                    throw new StoreException.Transient(e.getMessage() + " (gave up " + what + " after " + attempt
                            + (attempt == 1 ? " attempt)" : " attempts)"), e);
                }
                try {
                    sleeper.sleep(delay);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new StoreException("interrupted while waiting to retry " + what + ": " + e.getMessage(), e);
                }
            }
        }
    }

    @Override
    public ObjectId put(ObjectMeta meta, byte[] body) throws StoreException {
        return retry("an upload", () -> inner.put(meta, body));
    }

    /** The inner store's draft, whose commit (the upload) is retried like a put. */
    @Override
    public ObjectDraft draft() throws StoreException {
        ObjectDraft draft = inner.draft();
        return new ObjectDraft() {
            @Override
            public void write(long offset, byte[] data, int from, int length) throws StoreException {
                draft.write(offset, data, from, length);
            }

            @Override
            public ObjectId commit(ObjectMeta meta, long bodyLength) throws StoreException {
                return retry("an upload", () -> draft.commit(meta, bodyLength));
            }

            @Override
            public void close() {
                draft.close();
            }
        };
    }

    @Override
    public boolean draftsInMemory() {
        return inner.draftsInMemory();
    }

    @Override
    public StoredObject get(ObjectId id) throws StoreException {
        return retry("a fetch", () -> inner.get(id));
    }

    @Override
    public ObjectBody getBody(ObjectId id, java.util.function.IntFunction<byte[]> arrays) throws StoreException {
        return retry("a fetch", () -> inner.getBody(id, arrays));
    }

    @Override
    public byte[] getRange(ObjectId id, long offset, int length) throws StoreException {
        return retry("a fetch", () -> inner.getRange(id, offset, length));
    }

    @Override
    public void readRange(ObjectId id, long offset, int length, byte[] dest) throws StoreException {
        retry("a fetch", () -> {
            inner.readRange(id, offset, length, dest); // a retry writes the whole range again
            return null;
        });
    }

    @Override
    public Map<String, ObjectLocation> findLabels(Collection<String> labels) throws StoreException {
        return retry("a label look-up", () -> inner.findLabels(labels));
    }

    @Override
    public Map<ObjectId, ObjectMeta> findLabel(String label) throws StoreException {
        return retry("a label search", () -> inner.findLabel(label));
    }

    @Override
    public void delete(ObjectId id) throws StoreException {
        boolean[] retried = {false};
        retry("a delete", () -> {
            try {
                inner.delete(id);
            } catch (StoreException.NotFound e) {
                if (!retried[0]) {
                    throw e;
                }
                // An earlier attempt deleted it and its answer was lost.
            } catch (StoreException.Transient e) {
                retried[0] = true;
                throw e;
            }
            return null;
        });
    }

    /** A listing is restarted from the beginning when it fails; the visitor may see objects twice. */
    @Override
    public void list(ObjectVisitor visitor) throws StoreException {
        retry("a listing", () -> {
            inner.list(visitor);
            return null;
        });
    }

    @Override
    public void flush() throws StoreException {
        retry("a flush", () -> {
            inner.flush();
            return null;
        });
    }

    @Override
    public Optional<StoredRecord> getRecord(String name) throws StoreException {
        return retry("reading a record", () -> inner.getRecord(name));
    }

    @Override
    public long compareAndSetRecord(String name, long expectedVersion, byte[] body) throws StoreException {
        boolean[] retried = {false};
        return retry("writing a record", () -> {
            try {
                return inner.compareAndSetRecord(name, expectedVersion, body);
            } catch (StoreException.Conflict e) {
                if (retried[0] && e.currentVersion() == expectedVersion + 1) {
                    // Did our earlier attempt win before its answer was lost? Only if the record holds
                    // exactly our body (records are encrypted with fresh nonces: equal means ours).
                    Optional<StoredRecord> now = inner.getRecord(name);
                    if (now.isPresent() && now.get().version() == expectedVersion + 1
                            && Arrays.equals(now.get().body(), body)) {
                        return now.get().version();
                    }
                }
                throw e;
            } catch (StoreException.Transient e) {
                retried[0] = true;
                throw e;
            }
        });
    }

    @Override
    public List<String> recordNames() throws StoreException {
        return retry("listing records", inner::recordNames);
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public void close() throws StoreException {
        inner.close();
    }
}
