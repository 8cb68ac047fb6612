package io.distill4j.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs moved aside within one second (the folder's name has second resolution) each get their own folder. */
class FreshFolderTest {
    @Test
    void runsMovedAsideInTheSameSecondDoNotCollide(@TempDir Path tmp) throws IOException {
        Path previous = tmp.resolve("previous");
        Path first = TrainJob.freshFolder(previous, "2026-12-03T12-36-01");
        Files.writeString(first.resolve("steps.csv"), "kept");
        Path second = TrainJob.freshFolder(previous, "2026-12-03T12-36-01");
        Path third = TrainJob.freshFolder(previous, "2026-12-03T12-36-01");
        assertEquals(previous.resolve("2026-12-03T12-36-01"), first);
        assertEquals(previous.resolve("2026-12-03T12-36-01-2"), second);
        assertEquals(previous.resolve("2026-12-03T12-36-01-3"), third);
        assertTrue(Files.isDirectory(second) && Files.isDirectory(third));
        assertEquals("kept", Files.readString(first.resolve("steps.csv")), "the first run's log is untouched");
    }
}
