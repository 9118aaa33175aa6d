package org.obnam.util;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.sqlite.SQLiteConfig;

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
        return DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
    }
}
