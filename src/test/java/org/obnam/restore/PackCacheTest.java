package org.obnam.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.store.DirectoryStore;
import org.obnam.store.ObjectId;
import org.obnam.store.ObjectMeta;
import org.obnam.store.Store;

class PackCacheTest {
    @TempDir
    Path dir;

    private static ObjectId pack(Store store, int seed, int size) throws Exception {
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) seed);
        return store.put(ObjectMeta.single(String.format("%064x", seed)), body);
    }

    @Test
    void aPackIsFetchedWholeOnlyFromItsSecondSmallChunkOn() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId id = pack(store, 7, 1000);
            PackCache cache = new PackCache(store, 1 << 20);

            assertThat(cache.bodyForSmallChunk(id)).as("the first small chunk is read alone").isNull();
            byte[] body = cache.bodyForSmallChunk(id);
            assertThat(body).hasSize(1000).containsOnly(7);
            assertThat(cache.bodyForSmallChunk(id)).as("then served from the cache").isSameAs(body);
        }
    }

    @Test
    void packsBeyondTheLimitAreEvictedOldestFirst() throws Exception {
        try (DirectoryStore store = DirectoryStore.create(dir.resolve("repo"))) {
            ObjectId first = pack(store, 1, 600);
            ObjectId second = pack(store, 2, 600);
            PackCache cache = new PackCache(store, 1000);
            for (ObjectId id : new ObjectId[] {first, second}) {
                cache.bodyForSmallChunk(id);
            }
            byte[] firstBody = cache.bodyForSmallChunk(first);
            byte[] secondBody = cache.bodyForSmallChunk(second); // 1,200 bytes cached: the first goes

            assertThat(cache.bodyForSmallChunk(second)).isSameAs(secondBody);
            byte[] again = cache.bodyForSmallChunk(first);
            assertThat(again).isNotSameAs(firstBody).isEqualTo(firstBody);
        }
    }
}
