package io.distill4j.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one reader of the .npz batch convention, and the array layouts it must not misread. */
class BatchFileTest {
    @Test
    void sortsEveryKeyByTheConvention(@TempDir Path tmp) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            arrays.put("student.logits", m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2)));
            arrays.put("teacher.logits", m.create(new float[] {4, 3, 2, 1}, new Shape(2, 2)));
            arrays.put("targets", m.create(new long[] {0, 1}));
            arrays.put("task_loss", m.create(new float[] {0.75f}));
            arrays.put("param.p.conv1x1.weight", m.create(new float[] {1}));
            arrays.put("expected.loss", m.create(new float[] {2}));
            arrays.put("boxes", m.zeros(new Shape(2, 1, 4)));
            arrays.put("mask.p", m.ones(new Shape(2, 1, 1, 1)));
            Path file = tmp.resolve("batch.npz");
            NpzFiles.write(file, arrays);
            List<String> notes = new ArrayList<>();
            BatchFile b = BatchFile.read(file, m, notes::add);
            assertEquals(List.of("logits"), List.copyOf(b.student().keySet()));
            assertEquals(List.of("logits"), List.copyOf(b.teacher().keySet()));
            assertEquals(List.of("p.conv1x1.weight"), List.copyOf(b.params().keySet()));
            assertEquals(List.of("loss"), List.copyOf(b.expected().keySet()));
            assertEquals(List.of("boxes", "mask.p"), List.copyOf(b.inputs().keySet()), "the rest are named inputs");
            assertArrayEquals(new long[] {0, 1}, b.targets().orElseThrow().toLongArray());
            // task_loss is the task loss, in eval and in golden cases alike; never a named input.
            assertEquals(0.75f, b.taskLoss().orElseThrow().getFloat());
            assertEquals(new Shape(), b.taskLoss().orElseThrow().getShape());
            DistillBatch batch = b.toBatch(m).build();
            assertEquals(0.75f, batch.taskLoss().orElseThrow().getFloat());
            assertTrue(batch.input("mask.p").isPresent() && batch.input("boxes").isPresent());
            assertTrue(batch.input("expected.loss").isEmpty() && batch.input("task_loss").isEmpty());
            assertTrue(notes.isEmpty(), notes.toString());
        }
    }

    @Test
    void computesInFloat32AndSaysSo() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            arrays.put("student.x", m.create(new double[] {1, 2}));
            arrays.put("teacher.x", m.create(new float[] {1, 2}));
            List<String> notes = new ArrayList<>();
            BatchFile b = BatchFile.of("in.npz", arrays, notes::add);
            assertEquals(DataType.FLOAT32, b.student().get("x").getDataType());
            assertEquals(List.of("in.npz: 'student.x' is float64; computing in float32"), notes);

            arrays.put("teacher.x", m.create(new int[] {1, 2}));
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> BatchFile.of("in.npz", arrays, n -> { }));
            assertEquals("in.npz: 'teacher.x' must hold floating-point numbers, got int32", e.getMessage());

            InvalidInputException none = assertThrows(InvalidInputException.class,
                    () -> BatchFile.of("in.npz", Map.of("targets", m.create(new long[] {1})), n -> { }));
            assertEquals("in.npz: needs 'student.<name>' and 'teacher.<name>' arrays; it has: targets", none.getMessage());
        }
    }

    /** The same two floats in each layout NumPy can write; only the plain one is read, and read right. */
    @Test
    void bigEndianAndFortranArraysAreRefusedNeverMisread(@TempDir Path tmp) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Path plain = npz(tmp.resolve("plain.npz"), "<f4", false, "(2, 1)", ByteOrder.LITTLE_ENDIAN);
            assertArrayEquals(new float[] {1.5f, -2f}, NpzFiles.read(plain, m).get("student.x").toFloatArray(),
                    "the hand-made archive is one DJL reads");

            Path big = npz(tmp.resolve("big.npz"), ">f4", false, "(2, 1)", ByteOrder.BIG_ENDIAN);
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> NpzFiles.read(big, m));
            assertTrue(e.getMessage().startsWith(big + ": array 'student.x' is big-endian ('>f4'); save it little-endian"),
                    e.getMessage());

            Path fortran = npz(tmp.resolve("fortran.npz"), "<f4", true, "(1, 2)", ByteOrder.LITTLE_ENDIAN);
            InvalidInputException f = assertThrows(InvalidInputException.class, () -> NpzFiles.read(fortran, m));
            assertTrue(f.getMessage().startsWith(fortran + ": array 'student.x' is Fortran-ordered; save it C-ordered"),
                    f.getMessage());
        }
    }

    /** An archive of one .npy entry, written byte by byte as numpy.savez does (format 1.0). */
    private static Path npz(Path file, String descr, boolean fortran, String shape, ByteOrder order) throws IOException {
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
        int total = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - total % 64) % 64) + "\n";
        ByteArrayOutputStream npy = new ByteArrayOutputStream();
        npy.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        npy.write(header.length() & 0xFF);
        npy.write(header.length() >> 8);
        npy.write(header.getBytes(StandardCharsets.ISO_8859_1));
        npy.write(ByteBuffer.allocate(8).order(order).putFloat(1.5f).putFloat(-2f).array());
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zip)) {
            z.putNextEntry(new ZipEntry("student.x.npy"));
            z.write(npy.toByteArray());
            z.closeEntry();
        }
        return Files.write(file, zip.toByteArray());
    }
}
