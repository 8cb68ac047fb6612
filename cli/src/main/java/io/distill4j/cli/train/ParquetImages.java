package io.distill4j.cli.train;

import io.distill4j.runtime.InvalidInputException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * A split stored as a Parquet table, the layout data on a cluster usually has: one row per example,
 * an image column and an integer label column. The image is an encoded picture (PNG, JPEG, ...: the
 * bytes themselves, or Hugging Face's {@code struct<bytes, path>}), or raw unsigned bytes of exactly
 * {@code channels x size x size}, channel-major. Every image must already have the configured size:
 * images of mixed sizes cannot share a batch, and resizing them silently would change the data.
 *
 * <p>The table is one {@code .parquet} file or a folder of part files (as Spark writes it), read in file
 * name order, rows in file order: the sample index that stored teacher outputs use is stable.
 * Paths go through Hadoop's file systems, so {@code hdfs://} and other schemes work where their client is
 * on the class path.
 */
final class ParquetImages {
    private ParquetImages() {}

    /** The table's first {@code cap} rows as a split, images in [0, 1]; labels must lie in [0, classes) when classes > 0. */
    static Datasets.Split read(String table, String imageColumn, String labelColumn, int channels, int size, int cap) {
        List<Path> files = files(table);
        float[] x = new float[0];
        List<Integer> labels = new ArrayList<>();
        int pixels = channels * size * size;
        for (Path file : files) {
            long row = 0;
            try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf()))) {
                MessageType schema = reader.getFooter().getFileMetaData().getSchema();
                Columns columns = columns(file, schema, imageColumn, labelColumn);
                MessageType projection = new MessageType(schema.getName(), schema.getType(imageColumn), schema.getType(labelColumn));
                reader.setRequestedSchema(projection);
                PageReadStore pages;
                while (labels.size() < cap && (pages = reader.readNextRowGroup()) != null) {
                    RecordReader<Group> records = new ColumnIOFactory().getColumnIO(projection)
                            .getRecordReader(pages, new GroupRecordConverter(projection));
                    for (long r = 0; r < pages.getRowCount() && labels.size() < cap; r++, row++) {
                        Group g = records.read();
                        String where = shown(file) + " row " + row;
                        int n = labels.size();
                        if (x.length < (n + 1) * pixels) {
                            x = java.util.Arrays.copyOf(x, Math.max((n + 1) * pixels, 2 * x.length));
                        }
                        pixels(where, image(where, g, columns), channels, size, x, n * pixels);
                        labels.add(label(where, g, columns));
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (e instanceof InvalidInputException bad) {
                    throw bad;
                }
                throw new InvalidInputException(shown(file) + ": cannot read it as a Parquet table (" + e.getMessage() + ")");
            }
        }
        int n = labels.size();
        if (n == 0) {
            throw new InvalidInputException(table + ": the table has no rows");
        }
        float[][] boxes = new float[n][];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = labels.get(i);
            boxes[i] = new float[] {0, 0, size, size};
        }
        return new Datasets.Split(java.util.Arrays.copyOf(x, n * pixels), y, boxes, n, channels, size);
    }

    /**
     * The split's table under a dataset folder: {@code <dir>/<split>.parquet} (a file or Spark's folder of
     * parts), else {@code <dir>/<split>}.
     */
    static String table(String dir, String split) {
        String base = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
        try {
            Path named = new Path(base + "/" + split + ".parquet");
            if (named.getFileSystem(conf()).exists(named)) {
                return base + "/" + split + ".parquet";
            }
            Path plain = new Path(base + "/" + split);
            if (plain.getFileSystem(conf()).exists(plain)) {
                return base + "/" + split;
            }
        } catch (IOException e) {
            throw new InvalidInputException(dir + ": cannot read the dataset folder (" + e.getMessage() + ")");
        }
        throw new InvalidInputException(dir + ": no " + split + ".parquet (a Parquet file or a folder of part files) for the "
                + split + " split");
    }

    /** The table's files: itself, or a folder's {@code *.parquet} part files by name (Spark's _SUCCESS and .crc skipped). */
    private static List<Path> files(String table) {
        Path path = new Path(table);
        try {
            FileSystem fs = path.getFileSystem(conf());
            if (!fs.exists(path)) {
                throw new InvalidInputException(table + ": no such Parquet table (a .parquet file or a folder of them)");
            }
            if (fs.getFileStatus(path).isFile()) {
                return List.of(path);
            }
            List<Path> parts = new ArrayList<>();
            for (FileStatus s : fs.listStatus(path)) {
                String name = s.getPath().getName();
                if (s.isFile() && name.endsWith(".parquet") && !name.startsWith(".") && !name.startsWith("_")) {
                    parts.add(s.getPath());
                }
            }
            if (parts.isEmpty()) {
                throw new InvalidInputException(table + ": a folder without .parquet files");
            }
            parts.sort(java.util.Comparator.comparing(Path::getName));
            return parts;
        } catch (IOException e) {
            throw new InvalidInputException(table + ": cannot list the Parquet table (" + e.getMessage() + ")");
        }
    }

    /** A local file as the user wrote it (no "file:" prefix); any other file system's URI in full. */
    private static String shown(Path file) {
        return "file".equals(file.toUri().getScheme()) ? file.toUri().getPath() : file.toString();
    }

    private static Configuration conf() {
        return new Configuration();
    }

    /** Where the image bytes and the label sit in a row. */
    private record Columns(String image, boolean imageInStruct, String label, boolean label64) {}

    private static Columns columns(Path file, MessageType schema, String image, String label) {
        List<String> names = schema.getFields().stream().map(Type::getName).toList();
        for (String[] c : new String[][] {{image, "image-column"}, {label, "label-column"}}) {
            if (!schema.containsField(c[0])) {
                throw new InvalidInputException(shown(file) + ": no column '" + c[0] + "' (the table has " + String.join(", ", names)
                        + "); name the " + c[1].replace("-column", "") + " column with train.data." + c[1]);
            }
        }
        Type imageType = schema.getType(image);
        boolean inStruct;
        if (imageType.isPrimitive() && imageType.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY) {
            inStruct = false;
        } else if (!imageType.isPrimitive() && ((GroupType) imageType).containsField("bytes")
                && ((GroupType) imageType).getType("bytes").isPrimitive()) {
            inStruct = true;
        } else {
            throw new InvalidInputException(shown(file) + ": column '" + image + "' is " + imageType.toString().trim()
                    + "; an image column holds binary (encoded or raw bytes) or a struct with a binary 'bytes' field");
        }
        Type labelType = schema.getType(label);
        PrimitiveType.PrimitiveTypeName kind = labelType.isPrimitive() ? labelType.asPrimitiveType().getPrimitiveTypeName() : null;
        if (kind != PrimitiveType.PrimitiveTypeName.INT32 && kind != PrimitiveType.PrimitiveTypeName.INT64) {
            throw new InvalidInputException(shown(file) + ": column '" + label + "' is " + labelType.toString().trim()
                    + "; a label column holds integers (the class index)");
        }
        return new Columns(image, inStruct, label, kind == PrimitiveType.PrimitiveTypeName.INT64);
    }

    private static byte[] image(String where, Group g, Columns c) {
        Group holder = g;
        String field = c.image();
        if (c.imageInStruct()) {
            if (g.getFieldRepetitionCount(c.image()) == 0) {
                throw new InvalidInputException(where + ": no image (null in column '" + c.image() + "')");
            }
            holder = g.getGroup(c.image(), 0);
            field = "bytes";
        }
        if (holder.getFieldRepetitionCount(field) == 0) {
            throw new InvalidInputException(where + ": no image (null in column '" + c.image() + "')");
        }
        return holder.getBinary(field, 0).getBytes();
    }

    private static int label(String where, Group g, Columns c) {
        if (g.getFieldRepetitionCount(c.label()) == 0) {
            throw new InvalidInputException(where + ": no label (null in column '" + c.label() + "')");
        }
        long v = c.label64() ? g.getLong(c.label(), 0) : g.getInteger(c.label(), 0);
        if (v < 0 || v > 100_000) {
            throw new InvalidInputException(where + ": label " + v + " is not a class index (0, 1, 2, ...)");
        }
        return (int) v;
    }

    /** Decodes one image into {@code x[at, at + channels*size*size)}, refusing any other size. */
    private static void pixels(String where, byte[] bytes, int channels, int size, float[] x, int at) {
        int plane = size * size;
        BufferedImage img = null;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            // not an encoded image: raw bytes below, if the length says so
        }
        if (img == null) {
            if (bytes.length != channels * plane) {
                throw new InvalidInputException(String.format(Locale.ROOT, "%s: %d bytes are neither an image this JDK"
                        + " decodes nor raw pixels of %dx%dx%d (train.data.channels x image-size x image-size)", where,
                        bytes.length, channels, size, size));
            }
            for (int k = 0; k < bytes.length; k++) {
                x[at + k] = (bytes[k] & 0xff) / 255f;
            }
            return;
        }
        if (img.getWidth() != size || img.getHeight() != size) {
            throw new InvalidInputException(String.format(Locale.ROOT, "%s: the image is %dx%d, not %dx%d"
                    + " (train.data.image-size): images of mixed sizes cannot share a batch; resize the table's images"
                    + " to one size", where, img.getWidth(), img.getHeight(), size, size));
        }
        boolean gray = img.getType() == BufferedImage.TYPE_BYTE_GRAY;
        for (int py = 0; py < size; py++) {
            for (int px = 0; px < size; px++) {
                int base = at + py * size + px;
                if (gray && channels == 1) {
                    // The stored grey level itself, not a colour-model round trip.
                    x[base] = img.getRaster().getSample(px, py, 0) / 255f;
                    continue;
                }
                int rgb = img.getRGB(px, py);
                float r = ((rgb >> 16) & 0xff) / 255f;
                float gr = ((rgb >> 8) & 0xff) / 255f;
                float b = (rgb & 0xff) / 255f;
                if (channels == 1) {
                    x[base] = 0.299f * r + 0.587f * gr + 0.114f * b;
                } else {
                    x[base] = r;
                    x[base + plane] = gr;
                    x[base + 2 * plane] = b;
                }
            }
        }
    }
}
