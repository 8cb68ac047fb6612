package io.distill4j.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** Reads and writes NumPy {@code .npz} archives ({@code numpy.savez}) as arrays by key. */
public final class NpzFiles {
    private NpzFiles() {}

    /**
     * Reads every array of an archive by its key.
     *
     * @throws InvalidInputException naming the file when it is missing or not a readable {@code .npz}
     */
    public static Map<String, NDArray> read(Path file, NDManager manager) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": no such file");
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read (" + e.getMessage() + ")");
        }
        return decode(bytes, file.toString(), manager);
    }

    /**
     * Decodes the bytes of an archive.
     *
     * @param source how to name the archive in messages
     * @throws InvalidInputException naming the source when it is not a readable {@code .npz}
     */
    public static Map<String, NDArray> decode(byte[] bytes, String source, NDManager manager) {
        // A zip archive starts with "PK"; DJL would otherwise try its own formats and fail obscurely.
        if (bytes.length < 4 || bytes[0] != 'P' || bytes[1] != 'K') {
            throw new InvalidInputException(source + ": not an .npz archive (write it with numpy.savez)");
        }
        refuseLayoutsDjlWouldMisread(bytes, source);
        NDList list;
        try {
            list = NDList.decode(manager, bytes);
        } catch (RuntimeException e) {
            throw new InvalidInputException(source + ": malformed .npz archive (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (NDArray a : list) {
            String name = a.getName();
            if (name == null || name.isEmpty()) {
                throw new InvalidInputException(source + ": an array has no name; save with numpy.savez(path, key=array)");
            }
            arrays.put(name, a);
        }
        return arrays;
    }

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");

    /**
     * DJL reads every array as little-endian and C-ordered: a big-endian array ({@code >f4}) would come
     * back with its bytes swapped, a Fortran-ordered one transposed or refused obscurely. Both are
     * refused here, naming the array and the NumPy call that writes it readably.
     */
    private static void refuseLayoutsDjlWouldMisread(byte[] bytes, String source) {
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                String key = e.getName().replaceFirst("\\.npy$", "");
                byte[] head = zip.readNBytes(12);
                if (head.length < 10 || head[0] != (byte) 0x93 || head[1] != 'N' || head[2] != 'U') {
                    continue; // not an .npy entry: DJL's decoder names what is wrong with it
                }
                int major = head[6];
                int length = major == 1 ? (head[8] & 0xFF) | (head[9] & 0xFF) << 8
                        : (head[8] & 0xFF) | (head[9] & 0xFF) << 8 | (head[10] & 0xFF) << 16 | (head[11] & 0xFF) << 24;
                byte[] rest = zip.readNBytes(Math.max(0, Math.min(length, 1 << 16)));
                String header = new String(head, major == 1 ? 10 : 12, head.length - (major == 1 ? 10 : 12),
                        java.nio.charset.StandardCharsets.ISO_8859_1) + new String(rest, java.nio.charset.StandardCharsets.ISO_8859_1);
                Matcher descr = DESCR.matcher(header);
                if (descr.find() && descr.group(1).startsWith(">") && !descr.group(1).matches(">[a-zA-Z]1")) {
                    throw new InvalidInputException(source + ": array '" + key + "' is big-endian ('" + descr.group(1)
                            + "'); save it little-endian, e.g. numpy.savez(path, " + key + "=x.astype(x.dtype.newbyteorder('<')))");
                }
                Matcher fortran = FORTRAN.matcher(header);
                if (fortran.find() && fortran.group(1).equals("True")) {
                    throw new InvalidInputException(source + ": array '" + key + "' is Fortran-ordered; save it C-ordered,"
                            + " e.g. numpy.savez(path, " + key + "=numpy.ascontiguousarray(x))");
                }
            }
        } catch (IOException e) {
            // An archive the zip reader cannot walk: DJL's decoder reports it, naming the source.
        }
    }

    /** Writes arrays under their keys, atomically: a temporary file renamed over the target. */
    public static void write(Path file, Map<String, NDArray> arrays) throws IOException {
        NDList list = new NDList();
        // Named copies: the caller's arrays keep their names, and one array may sit under two keys.
        arrays.forEach((k, v) -> {
            NDArray copy = v.duplicate();
            copy.setName(k);
            list.add(copy);
        });
        try {
            OutputPaths.replace(file, ".tmp", tmp -> {
                try (OutputStream os = Files.newOutputStream(tmp)) {
                    list.encode(os, NDList.Encoding.NPZ);
                }
            });
        } finally {
            list.close();
        }
    }
}
