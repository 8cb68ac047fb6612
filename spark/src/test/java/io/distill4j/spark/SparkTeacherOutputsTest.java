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
        int passes = SparkTeacherOutputs.ExecutorPasses.count();
        Run r = spark(conf.toString(), "-o", distributed.toString(), "--shard-size", "100", "--master", "local[2]",
                "--partitions", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("416 samples in 5 shards over 3 partitions on local[2]"), r.out());
        assertEquals(files(local), files(distributed));
        assertEquals(6, files(local).size(), "five shards and the manifest");
        for (String f : files(local)) {
            assertArrayEquals(Files.readAllBytes(local.resolve(f)), Files.readAllBytes(distributed.resolve(f)), f);
        }
        assertEquals(passes + 1, SparkTeacherOutputs.ExecutorPasses.count(), "one teacher pass in this executor JVM, not one per task");
    }

    /** A grey PNG of {@code side}: a diagonal gradient that depends on the row, so images differ. */
    private static byte[] png(int row, int side) throws IOException {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(side, side, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (int k = 0; k < side * side; k++) {
            img.getRaster().setSample(k % side, k / side, 0, (row * 7 + (k % side) * (row % 5 + 1) + k / side) % 256);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** Tables as a cluster holds them: written by Spark (a folder of snappy part files per split), image bytes and a label. */
    private Path sparkWrittenTables(int mixedSizeRow) throws IOException {
        Path dir = tmp.resolve("table" + mixedSizeRow);
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                .add("image", org.apache.spark.sql.types.DataTypes.BinaryType)
                .add("label", org.apache.spark.sql.types.DataTypes.LongType);
        org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[2]")
                .appName("tables").getOrCreate();
        try {
            for (String split : List.of("train", "test")) {
                List<org.apache.spark.sql.Row> rows = new java.util.ArrayList<>();
                for (int i = 0; i < (split.equals("train") ? 360 : 100); i++) {
                    rows.add(org.apache.spark.sql.RowFactory.create(png(i, i == mixedSizeRow ? 32 : 28), (long) (i % 10)));
                }
                spark.createDataFrame(rows, schema).repartition(3).sortWithinPartitions("label").write()
                        .parquet(dir.resolve(split + ".parquet").toString());
            }
        } finally {
            spark.stop();
        }
        return dir;
    }

    @Test
    void aParquetTableWrittenBySparkGivesTheLocalCommandsShardsAndIsRefusedWithMixedSizes() throws IOException {
        Path table = sparkWrittenTables(-1);
        assertTrue(files(table.resolve("train.parquet")).stream().filter(f -> f.endsWith(".parquet")).count() >= 3,
                "several part files: " + files(table.resolve("train.parquet")));
        Path conf = Files.writeString(tmp.resolve("parquet.conf"), "include \"" + experiment() + "\"\n"
                + "train.data { source = parquet, path = \"" + table + "\" }\n");
        Path local = tmp.resolve("local");
        StringWriter err = new StringWriter();
        int code = DistillCli.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "--plugins-dir",
                Files.createDirectories(tmp.resolve("no-plugins")).toString(), "teacher-outputs", conf.toString(), "-o",
                local.toString(), "--shard-size", "100");
        assertEquals(0, code, err.toString());
        Path distributed = tmp.resolve("spark");
        Run r = spark(conf.toString(), "-o", distributed.toString(), "--shard-size", "100", "--master", "local[2]",
                "--partitions", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("416 samples in 5 shards over 2 partitions"), "320 train + 96 test rows: " + r.out());
        for (String f : files(local)) {
            assertArrayEquals(Files.readAllBytes(local.resolve(f)), Files.readAllBytes(distributed.resolve(f)), f);
        }

        Path mixed = sparkWrittenTables(17);
        Path bad = Files.writeString(tmp.resolve("mixed.conf"), "include \"" + experiment() + "\"\n"
                + "train.data { source = parquet, path = \"" + mixed + "\" }\n");
        Path never = tmp.resolve("never");
        Run refused = spark(bad.toString(), "-o", never.toString(), "--master", "local[2]");
        assertEquals(2, refused.code(), refused.err());
        assertTrue(refused.err().startsWith("error: " + mixed.resolve("train.parquet")), refused.err());
        assertTrue(refused.err().contains(": the image is 32x32, not 28x28 (train.data.image-size): images of mixed sizes"),
                refused.err());
        assertEquals(1, refused.err().lines().count(), refused.err());
        assertFalse(Files.exists(never), "no partial cache");
        Run columns = spark(Files.writeString(tmp.resolve("columns.conf"), "include \"" + experiment() + "\"\n"
                + "train.data { source = parquet, path = \"" + table + "\", label-column = class }\n").toString(), "-o",
                never.toString(), "--master", "local[2]");
        assertEquals(2, columns.code(), columns.err());
        assertTrue(columns.err().contains(": no column 'class' (the table has image, label); name the label column with"
                + " train.data.label-column"), columns.err());
        assertFalse(Files.exists(never), "no partial cache");
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
