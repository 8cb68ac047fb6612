package io.distill4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill4j.cli.DistillCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark job in local mode with several partitions writes the local command's cache byte for byte. */
class SparkTeacherOutputsTest {
    static final Path REPO = Path.of(System.getProperty("distill4j.repo", ".."));

    @TempDir
    Path tmp;

    private Path experiment() throws IOException {
        return Files.writeString(tmp.resolve("kd.conf"), "include \"" + REPO.resolve("samples/experiments/features.conf")
                + "\"\ntrain { epochs = 1, batch-size = 32, data { train-size = 320, test-size = 96 }, teacher.epochs = 1,"
                + " output = \"" + tmp.resolve("runs") + "\", cache = \"" + tmp.resolve("cache") + "\" }\n");
    }

    private record Run(int code, String out, String err) {}

    private static Run spark(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SparkTeacherOutputs.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void severalPartitionsWriteTheLocalCommandsShardsAndManifestByteForByte() throws IOException {
        Path conf = experiment();
        Path local = tmp.resolve("local");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // The local command trains the teacher and caches it; the Spark job then finds it there.
        int code = DistillCli.run(new PrintWriter(out), new PrintWriter(err), "--plugins-dir",
                Files.createDirectories(tmp.resolve("no-plugins")).toString(), "teacher-outputs", conf.toString(), "-o",
                local.toString(), "--shard-size", "100");
        assertEquals(0, code, err.toString());

        Path distributed = tmp.resolve("spark");
        Run r = spark(conf.toString(), "-o", distributed.toString(), "--shard-size", "100", "--master", "local[2]",
                "--partitions", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("416 samples in 5 shards over 3 partitions on local[2]"), r.out());
        assertEquals(files(local), files(distributed));
        assertEquals(6, files(local).size(), "five shards and the manifest");
        for (String f : files(local)) {
            assertArrayEquals(Files.readAllBytes(local.resolve(f)), Files.readAllBytes(distributed.resolve(f)), f);
        }
        assertEquals(1, SparkTeacherOutputs.ExecutorPasses.count(), "one teacher pass in this executor JVM, not one per task");
    }

    @Test
    void anUnreachableMasterIsOneLineAndLeavesNoCache() throws IOException {
        Path conf = experiment();
        Path dir = tmp.resolve("never");
        Run r = spark(conf.toString(), "-o", dir.toString(), "--master", "spark://127.0.0.1:9");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: --master spark://127.0.0.1:9: cannot reach the Spark master"), r.err());
        assertFalse(Files.exists(dir));
        Run bad = spark(conf.toString(), "-o", dir.toString(), "--precision", "int8");
        assertEquals(2, bad.code());
        assertFalse(Files.exists(dir));
    }
}
