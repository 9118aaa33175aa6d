package org.obnam.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JitWarmUpTest {
    @Test
    void warmUpOpensEnoughBlobsForC2AndSomeLargerThanTheJdksOneMegabyteSplit() throws Exception {
        JitWarmUp.Done done = JitWarmUp.openAndLabel();

        // C2 compiles the crypto classes after about 500 calls (launcher thresholds x 0.01).
        assertThat(done.blobs()).isGreaterThanOrEqualTo(500);
        assertThat(done.largest()).isGreaterThan(1 << 20);
    }
}
