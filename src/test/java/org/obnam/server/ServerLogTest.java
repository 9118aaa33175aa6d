package org.obnam.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Only the mapping from OBNAM_SERVER_LOG to logger levels; ServerProcessIT checks the real output. */
class ServerLogTest {
    private static final List<String> PROPERTIES = List.of("ROOT.LEVEL", "org.eclipse.jetty.LEVEL", "org.obnam.LEVEL",
            "org.obnam.server.LEVEL");

    @AfterEach
    void clear() {
        PROPERTIES.forEach(System::clearProperty);
    }

    @Test
    void unsetMeansWarningsOnly() {
        assertThat(ServerLog.configure(null)).isEmpty();
        assertThat(System.getProperty("ROOT.LEVEL")).isEqualTo("WARN");
        assertThat(System.getProperty("org.eclipse.jetty.LEVEL")).isEqualTo("WARN");
    }

    @Test
    void aLevelAppliesToEverythingButKeepsJettyQuieterThanDebug() {
        ServerLog.configure("debug");
        assertThat(System.getProperty("ROOT.LEVEL")).isEqualTo("DEBUG");
        assertThat(System.getProperty("org.eclipse.jetty.LEVEL")).isEqualTo("INFO");
        ServerLog.configure("INFO");
        assertThat(System.getProperty("ROOT.LEVEL")).isEqualTo("INFO");
    }

    @Test
    void filtersNameTargets() {
        assertThat(ServerLog.configure("warn,obnam=debug,jetty=error,org.obnam.server=trace")).isEmpty();
        assertThat(System.getProperty("ROOT.LEVEL")).isEqualTo("WARN");
        assertThat(System.getProperty("org.obnam.LEVEL")).isEqualTo("DEBUG");
        assertThat(System.getProperty("org.eclipse.jetty.LEVEL")).isEqualTo("ERROR");
        assertThat(System.getProperty("org.obnam.server.LEVEL")).isEqualTo("TRACE");
    }

    @Test
    void nonsenseIsReportedAndIgnored() {
        assertThat(ServerLog.configure("loud,info")).singleElement().asString().contains("loud");
        assertThat(System.getProperty("ROOT.LEVEL")).isEqualTo("INFO");
    }
}
