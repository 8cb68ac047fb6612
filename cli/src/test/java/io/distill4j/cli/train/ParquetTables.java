package io.distill4j.cli.train;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** Small Parquet tables written here, in the layouts ParquetImages reads. */
public final class ParquetTables {
    private ParquetTables() {}

    /** One row: the image's bytes and its label. */
    public record Row(byte[] image, long label) {}

    /** Pixel {@code k} of grey image {@code i}, so every image differs and a test can check where each went. */
    public static int grey(int i, int k) {
        return (7 * i + 3 * k) % 256;
    }

    /** A {@code size x size} grey PNG whose pixels are {@link #grey(int, int)} of {@code i}. */
    public static byte[] greyPng(int i, int size) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        for (int k = 0; k < size * size; k++) {
            img.getRaster().setSample(k % size, k / size, 0, grey(i, k));
        }
        return png(img);
    }

    /** A {@code size x size} RGB PNG of one colour. */
    public static byte[] rgbPng(int rgb, int size) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int k = 0; k < size * size; k++) {
            img.setRGB(k % size, k / size, rgb);
        }
        return png(img);
    }

    private static byte[] png(BufferedImage img) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code count} grey PNGs of {@code size}, labels {@code i % classes}, starting at image {@code first}. */
    public static List<Row> greyRows(int first, int count, int size, int classes) {
        return java.util.stream.IntStream.range(first, first + count)
                .mapToObj(i -> new Row(greyPng(i, size), i % classes)).toList();
    }

    /** A table with {@code image: binary} and {@code label: int64}, snappy-compressed as Spark writes it. */
    public static void binary(Path file, List<Row> rows) {
        write(file, "message row { required binary image; required int64 label; optional binary note (UTF8); }", rows, false);
    }

    /** Hugging Face's layout: {@code image: struct<bytes: binary, path: string>}, {@code label: int64}. */
    public static void huggingFace(Path file, List<Row> rows) {
        write(file, "message row { optional group image { optional binary bytes; optional binary path (UTF8); }"
                + " optional int64 label; }", rows, true);
    }

    /** Any schema: for tables with the wrong columns. */
    public static void withSchema(Path file, String schema, java.util.function.Function<SimpleGroupFactory, List<Group>> groups) {
        MessageType type = MessageTypeParser.parseMessageType(schema);
        SimpleGroupFactory f = new SimpleGroupFactory(type);
        try (ParquetWriter<Group> w = writer(file, type)) {
            for (Group g : groups.apply(f)) {
                w.write(g);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String schema, List<Row> rows, boolean struct) {
        MessageType type = MessageTypeParser.parseMessageType(schema);
        SimpleGroupFactory f = new SimpleGroupFactory(type);
        try (ParquetWriter<Group> w = writer(file, type)) {
            for (Row r : rows) {
                Group g = f.newGroup();
                if (struct) {
                    g.addGroup("image").append("bytes", Binary.fromConstantByteArray(r.image())).append("path", "x.png");
                } else {
                    g.append("image", Binary.fromConstantByteArray(r.image()));
                }
                g.append("label", r.label());
                w.write(g);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ParquetWriter<Group> writer(Path file, MessageType type) throws IOException {
        return ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri())).withType(type)
                .withCompressionCodec(CompressionCodecName.SNAPPY).withRowGroupSize(4096L).build();
    }
}
