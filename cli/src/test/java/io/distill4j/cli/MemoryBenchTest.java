package io.distill4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill4j.runtime.Distill4j;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory bench, run small: it samples every step it is asked to, and a step that left an array behind would show. */
class MemoryBenchTest {
    @TempDir
    Path tmp;

    @Test
    void everySampledStepReportsMemoryAndTheLiveArraysStayLevelAfterTheFirstUpdate() throws IOException {
        System.setProperty("java.awt.headless", "true");
        StringWriter out = new StringWriter();
        Distill4j runtime = Distill4j.start(Files.createDirectories(tmp.resolve("no-plugins")));
        // 128 images in batches of 64: 2 steps an epoch, 3 epochs for 6 steps, each sampled (6 / 20 rounds up to 1)
        MemoryBench.run(runtime, 6, 128, "train { data.test-size = 64, teacher.epochs = 1, cache = \"" + tmp.resolve("cache") + "\" }",
                new PrintWriter(out), new PrintWriter(new StringWriter()));
        String text = out.toString();
        assertTrue(text.startsWith("malloc arenas: "), text);
        Matcher row = Pattern.compile("(?m)^ +(\\d+) +([\\d.]+) +([\\d.]+) +(\\d+)$").matcher(text);
        List<Long> steps = new ArrayList<>();
        List<Long> live = new ArrayList<>();
        while (row.find()) {
            steps.add(Long.parseLong(row.group(1)));
            assertTrue(Double.parseDouble(row.group(2)) > 0, "RSS: " + row.group());
            assertTrue(Double.parseDouble(row.group(3)) > 0, "Java heap: " + row.group());
            live.add(Long.parseLong(row.group(4)));
        }
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), steps, text);
        // The first update creates the optimizer's state; after it no step may add an array.
        assertTrue(live.get(1) > 0, text);
        assertEquals(List.of(live.get(1), live.get(1), live.get(1), live.get(1), live.get(1)), live.subList(1, 6), text);
    }
}
