package io.distill4j.cli.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.distill4j.runtime.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.io.api.Binary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train.data.source = parquet on tables written here: the layouts it reads, the order of rows, and what it refuses. */
class ParquetImagesTest {
    @TempDir
    Path tmp;

    private static Datasets.Data load(Path dir, String extra) {
        TrainSettings s = TrainSettings.of(ConfigFactory.parseString("train.data { source = parquet, path = \"" + dir
                + "\", image-size = 8, train-size = 100, test-size = 100 }\n" + extra), "test");
        return Datasets.load(s.data, 0);
    }

    @Test
    void readsSparksFolderOfPartsInNameOrderAndEachPixelWhereItBelongs() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("table"));
        Path train = Files.createDirectories(dir.resolve("train.parquet"));
        // Spark's layout: part files (written out of order here), _SUCCESS and checksum files beside them.
        ParquetTables.binary(train.resolve("part-00001-x.snappy.parquet"), ParquetTables.greyRows(5, 3, 8, 3));
        ParquetTables.binary(train.resolve("part-00000-x.snappy.parquet"), ParquetTables.greyRows(0, 5, 8, 3));
        Files.writeString(train.resolve("_SUCCESS"), "");
        ParquetTables.binary(dir.resolve("test.parquet"), ParquetTables.greyRows(100, 2, 8, 3));

        Datasets.Data d = load(dir, "");
        assertEquals(8, d.train().count());
        assertEquals(2, d.test().count());
        assertEquals(3, d.classes(), "labels 0-2");
        assertEquals(1, d.train().channels());
        assertEquals(8, d.train().size());
        int[] labels = new int[8];
        for (int i = 0; i < 8; i++) {
            labels[i] = i % 3;
            for (int k = 0; k < 64; k++) {
                assertEquals(ParquetTables.grey(i, k) / 255f, d.train().images()[64 * i + k], "image " + i + " pixel " + k);
            }
        }
        assertArrayEquals(labels, d.train().labels(), "part-00000's rows first");
        assertEquals(ParquetTables.grey(101, 5) / 255f, d.test().images()[64 + 5]);
        assertArrayEquals(new float[] {0, 0, 8, 8}, d.train().boxes()[7], "the whole image is the box");
    }

    @Test
    void readsHuggingFacesStructLayoutRgbImagesAndRawBytes() {
        Path hf = tmp.resolve("hf");
        List<ParquetTables.Row> rgb = List.of(new ParquetTables.Row(ParquetTables.rgbPng(0xff0000, 8), 0),
                new ParquetTables.Row(ParquetTables.rgbPng(0x0000ff, 8), 1));
        ParquetTables.huggingFace(mkdirs(hf).resolve("train.parquet"), rgb);
        ParquetTables.huggingFace(hf.resolve("test.parquet"), rgb);
        Datasets.Data d = load(hf, "train.data.channels = 3");
        assertEquals(3, d.train().channels());
        assertEquals(1f, d.train().images()[0], "image 0 red plane");
        assertEquals(0f, d.train().images()[64], "image 0 green plane");
        assertEquals(1f, d.train().images()[192 + 128], "image 1 blue plane");

        Path raw = tmp.resolve("raw");
        List<ParquetTables.Row> rows = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] px = new byte[64];
            for (int k = 0; k < 64; k++) {
                px[k] = (byte) ParquetTables.grey(i, k);
            }
            rows.add(new ParquetTables.Row(px, i % 2));
        }
        ParquetTables.binary(mkdirs(raw).resolve("train.parquet"), rows);
        ParquetTables.binary(raw.resolve("test.parquet"), rows);
        Datasets.Data r = load(raw, "");
        assertEquals(ParquetTables.grey(2, 63) / 255f, r.train().images()[2 * 64 + 63], "raw bytes, channel-major");
    }

    @Test
    void refusesMixedSizesMissingColumnsAndUnreadableRowsNamingTheFileAndRow() {
        Path mixed = mkdirs(tmp.resolve("mixed"));
        List<ParquetTables.Row> rows = new ArrayList<>(ParquetTables.greyRows(0, 3, 8, 2));
        rows.add(new ParquetTables.Row(ParquetTables.greyPng(3, 9), 1));
        ParquetTables.binary(mixed.resolve("train.parquet"), rows);
        ParquetTables.binary(mixed.resolve("test.parquet"), ParquetTables.greyRows(0, 2, 8, 2));
        assertRefused(mixed, "", mixed.resolve("train.parquet") + " row 3: the image is 9x9, not 8x8 (train.data.image-size):"
                + " images of mixed sizes cannot share a batch");

        assertRefused(mixed, "train.data.image-column = picture", "no column 'picture' (the table has image, label, note);"
                + " name the image column with train.data.image-column");
        assertRefused(mixed, "train.data.label-column = note", "column 'note' is optional binary note (STRING); a label"
                + " column holds integers");
        assertRefused(mixed, "train.data.image-column = label", "column 'label' is required int64 label; an image column"
                + " holds binary");

        Path junk = mkdirs(tmp.resolve("junk"));
        ParquetTables.binary(junk.resolve("train.parquet"), List.of(new ParquetTables.Row(new byte[] {1, 2, 3}, 0)));
        ParquetTables.binary(junk.resolve("test.parquet"), List.of(new ParquetTables.Row(new byte[] {1, 2, 3}, 0)));
        assertRefused(junk, "", "row 0: 3 bytes are neither an image this JDK decodes nor raw pixels of 1x8x8");

        Path unseen = mkdirs(tmp.resolve("unseen"));
        ParquetTables.binary(unseen.resolve("train.parquet"), ParquetTables.greyRows(0, 4, 8, 2));
        ParquetTables.binary(unseen.resolve("test.parquet"), ParquetTables.greyRows(0, 4, 8, 3));
        assertRefused(unseen, "", unseen.resolve("test.parquet") + " row 2: label 2 is a class the training table does not have");

        Path nulls = mkdirs(tmp.resolve("nulls"));
        ParquetTables.withSchema(nulls.resolve("train.parquet"), "message row { optional binary image; optional int64 label; }",
                f -> List.of(f.newGroup().append("image", Binary.fromConstantByteArray(ParquetTables.greyPng(0, 8)))));
        ParquetTables.binary(nulls.resolve("test.parquet"), ParquetTables.greyRows(0, 2, 8, 2));
        assertRefused(nulls, "", "row 0: no label (null in column 'label')");

        Path notParquet = mkdirs(tmp.resolve("text"));
        write(notParquet.resolve("train.parquet"), "id,label\n1,2\n");
        write(notParquet.resolve("test.parquet"), "id,label\n1,2\n");
        assertRefused(notParquet, "", notParquet.resolve("train.parquet") + ": cannot read it as a Parquet table");

        assertRefused(tmp.resolve("absent"), "", tmp.resolve("absent") + ": no train.parquet");
    }

    private void assertRefused(Path dir, String extra, String expected) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> load(dir, extra));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    private static Path mkdirs(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void write(Path p, String text) {
        try {
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
