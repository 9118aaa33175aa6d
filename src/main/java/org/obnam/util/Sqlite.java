package org.obnam.util;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import org.sqlite.JDBC;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteJDBCLoader;

/** Connections to the SQLite databases Obnam writes: the generation databases and the label index. */
public final class Sqlite {
    private Sqlite() {
    }

    /**
     * A connection to {@code file} that does not serve {@code getGeneratedKeys}, which Obnam never
     * calls: with it on, sqlite-jdbc runs {@code SELECT last_insert_rowid()} after every INSERT
     * (8% of an unchanged 50,000-file backup's CPU samples).
     */
    public static Connection openForWriting(Path file) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setGetGeneratedKeys(false);
        return connect(file, config.toProperties());
    }

    /**
     * A connection to {@code file} with sqlite-jdbc's {@code properties}, made by the driver itself:
     * {@code DriverManager} would first load every JDBC driver the class path names, once per run.
     */
    public static Connection connect(Path file, Properties properties) throws SQLException {
        return JDBC.createConnection(JDBC.PREFIX + file, properties);
    }

    /**
     * Does what the first connection of a run would do once: loads the native library and sets up
     * a connection's configuration, whose date format builds a {@code Calendar} (see
     * {@code StartupWarmup}).
     */
    public static void prepare() throws Exception {
        SQLiteJDBCLoader.initialize();
        new SQLiteConfig();
    }
}
