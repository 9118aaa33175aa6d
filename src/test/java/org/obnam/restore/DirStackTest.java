package org.obnam.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.obnam.fs.Dir;
import org.obnam.fs.RawName;
import org.obnam.fs.RawPath;

class DirStackTest {
    private static final long SLOW = 2_000_000;
    private static final long FAST = 10_000;

    @TempDir
    Path tmp;

    private Dir top() throws Exception {
        return Dir.open(RawPath.ofUtf8(tmp.toString()));
    }

    private List<String> staging() throws Exception {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".obnam-restore-")).toList();
        }
    }

    private static void creates(DirStack dirs, Dir parent, int count, long nanos) {
        for (int i = 0; i < count; i++) {
            dirs.fileCreated(parent, nanos);
        }
    }

    @Test
    void afterSlowCreatesNewDirectoriesAreMadeInAStagingDirectoryAndRenamedIntoPlace() throws Exception {
        try (Dir top = top(); DirStack dirs = new DirStack(top, true)) {
            Dir b = dirs.parentOf(RawPath.ofUtf8("a/b/f1"));
            creates(dirs, b, CreateLatencyWatch.WINDOW, SLOW);
            assertThat(dirs.moves()).isEqualTo(1);
            assertThat(staging()).hasSize(1);

            Dir c = dirs.parentOf(RawPath.ofUtf8("a/c/d/f2"));
            assertThat(dirs.madeInStaging()).isEqualTo(2);
            assertThat(tmp.resolve("a/c/d")).isDirectory();
            assertThat(tmp.resolve(staging().getFirst())).isEmptyDirectory();

            // the directories made since the move are watched: slow again, move again
            creates(dirs, c, CreateLatencyWatch.WINDOW, SLOW);
            assertThat(dirs.moves()).isEqualTo(2);
            assertThat(staging()).hasSize(2);
            dirs.parentOf(RawPath.ofUtf8("e/f3"));
            assertThat(dirs.madeInStaging()).isEqualTo(3);
        }
        assertThat(staging()).as("staging directories are removed at the end").isEmpty();
        try (Stream<Path> s = Files.walk(tmp)) {
            assertThat(s.map(p -> tmp.relativize(p).toString()).sorted().toList())
                    .containsExactly("", "a", "a/b", "a/c", "a/c/d", "e");
        }
    }

    @Test
    void aDirectoryMadeForItsOwnEntryIsWatchedWhenItsFilesComeNext() throws Exception {
        try (Dir top = top(); DirStack dirs = new DirStack(top, true)) {
            Dir a = dirs.parentOf(RawPath.ofUtf8("a/b"));
            dirs.create(a, RawName.ofUtf8("b"), 0700).close(); // a restore's directory entry
            Dir b = dirs.parentOf(RawPath.ofUtf8("a/b/f")); // opens what was just made
            creates(dirs, b, CreateLatencyWatch.WINDOW, SLOW);
            assertThat(dirs.moves()).isEqualTo(1);
        }
    }

    @Test
    void aDirectoryEntryForADirectoryThatWasThereIsNotWatched() throws Exception {
        Files.createDirectories(tmp.resolve("a/b"));
        try (Dir top = top(); DirStack dirs = new DirStack(top, true)) {
            Dir a = dirs.parentOf(RawPath.ofUtf8("a/b"));
            dirs.create(a, RawName.ofUtf8("b"), 0700).close(); // found there, not made
            Dir b = dirs.parentOf(RawPath.ofUtf8("a/b/f"));
            creates(dirs, b, 10 * CreateLatencyWatch.WINDOW, SLOW);
            assertThat(dirs.moves()).isZero();
        }
    }

    @Test
    void underADirectoryThatWasThereNewDirectoriesAreMadeInPlaceAfterAMove() throws Exception {
        // A directory inherits from the one it is made in (setgid group, default ACLs): one made
        // in the staging directory would not inherit what the existing directory passes on.
        Files.createDirectories(tmp.resolve("old"));
        try (Dir top = top(); DirStack dirs = new DirStack(top, true)) {
            Dir b = dirs.parentOf(RawPath.ofUtf8("new/b/f"));
            creates(dirs, b, CreateLatencyWatch.WINDOW, SLOW);
            assertThat(dirs.moves()).isEqualTo(1);
            dirs.parentOf(RawPath.ofUtf8("new/c/f"));
            assertThat(dirs.madeInStaging()).isEqualTo(1);
            dirs.parentOf(RawPath.ofUtf8("old/x/y/f"));
            assertThat(dirs.madeInStaging()).isEqualTo(1);
        }
        assertThat(tmp.resolve("old/x/y")).isDirectory();
        assertThat(tmp.resolve("new/c")).isDirectory();
        assertThat(staging()).isEmpty();
    }

    @Test
    void aStagingDirectoryRemovedMidRestoreOnlyMeansDirectoriesAreMadeInPlace() throws Exception {
        try (Dir top = top(); DirStack dirs = new DirStack(top, true)) {
            Dir b = dirs.parentOf(RawPath.ofUtf8("a/b/f"));
            creates(dirs, b, CreateLatencyWatch.WINDOW, SLOW);
            assertThat(staging()).hasSize(1);
            Files.delete(tmp.resolve(staging().getFirst()));
            Dir c = dirs.parentOf(RawPath.ofUtf8("a/c/d/f"));
            dirs.create(c, RawName.ofUtf8("e"), 0700).close();
            assertThat(dirs.madeInStaging()).isZero();
        }
        assertThat(tmp.resolve("a/c/d/e")).isDirectory();
        assertThat(staging()).isEmpty();
    }

    @Test
    void fastCreatesAndSlowOnesInDirectoriesThatWereThereMoveNothing() throws Exception {
        Files.createDirectories(tmp.resolve("old/dir"));
        try (Dir top = top(); DirStack dirs = new DirStack(top, true)) {
            Dir fresh = dirs.parentOf(RawPath.ofUtf8("new/f"));
            creates(dirs, fresh, 10 * CreateLatencyWatch.WINDOW, FAST);
            Dir old = dirs.parentOf(RawPath.ofUtf8("old/dir/f"));
            creates(dirs, old, 10 * CreateLatencyWatch.WINDOW, SLOW);
            assertThat(dirs.moves()).isZero();
            assertThat(staging()).isEmpty();
        }
    }

    @Test
    void withoutTheTopDirectoryHintNothingMoves() throws Exception {
        try (Dir top = top(); DirStack dirs = new DirStack(top, false)) {
            Dir b = dirs.parentOf(RawPath.ofUtf8("a/b/f"));
            creates(dirs, b, 10 * CreateLatencyWatch.WINDOW, SLOW);
            assertThat(dirs.moves()).isZero();
            dirs.parentOf(RawPath.ofUtf8("a/c/f"));
            assertThat(dirs.madeInStaging()).isZero();
        }
        assertThat(tmp.resolve("a/c")).isDirectory();
    }

    @Test
    void afterAMoveAFileInTheWayIsStillReplacedByTheDirectory() throws Exception {
        Files.createDirectories(tmp.resolve("a"));
        Files.writeString(tmp.resolve("a/c"), "an earlier restore's file");
        try (Dir top = top(); DirStack dirs = new DirStack(top, true)) {
            Dir b = dirs.parentOf(RawPath.ofUtf8("a/b/f"));
            creates(dirs, b, CreateLatencyWatch.WINDOW, SLOW);
            assertThat(dirs.moves()).isEqualTo(1);
            dirs.parentOf(RawPath.ofUtf8("a/c/f"));
        }
        assertThat(tmp.resolve("a/c")).isDirectory();
        assertThat(staging()).isEmpty();
    }
}
