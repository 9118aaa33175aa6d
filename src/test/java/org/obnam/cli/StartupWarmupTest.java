package org.obnam.cli;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The warm-up swallows its failures, because the command meets them again and reports them; so
 * only this test notices when a step stops working (a library renamed what it calls, say) and the
 * commands silently lose what it saved them.
 */
class StartupWarmupTest {
    @Test
    void everyStepRunsWithoutFailingHere() {
        List<StartupWarmup.Step> steps = new ArrayList<>(StartupWarmup.KEY_STEPS);
        steps.addAll(StartupWarmup.FILE_STEPS);
        steps.addAll(StartupWarmup.OUTPUT_STEPS);
        for (StartupWarmup.Step step : steps) {
            assertThatCode(step::run).doesNotThrowAnyException();
        }
    }
}
