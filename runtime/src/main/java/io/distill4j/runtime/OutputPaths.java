package io.distill4j.runtime;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks, before any expensive work, that a run can write where it will write: a folder that is a
 * folder and takes files, a file that is not a folder and whose folder takes files. Each problem is
 * one {@link InvalidInputException} naming the path, what it is for and what is wrong, so a run
 * never trains for an hour to fail at its first save.
 */
public final class OutputPaths {
    private OutputPaths() {}

    /**
     * Creates {@code dir} when missing and checks that files can be created in it.
     *
     * @param what what the folder is for, for the message (for example {@code "train.output"})
     * @return {@code dir}
     */
    public static Path folder(Path dir, String what) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new InvalidInputException(dir + ": " + what + " must be a folder, but it is a file");
        }
        for (Path up = dir.toAbsolutePath().getParent(); up != null; up = up.getParent()) {
            if (Files.exists(up)) {
                if (!Files.isDirectory(up)) {
                    throw new InvalidInputException(dir + ": " + what + " must be a folder, but " + up + " is a file");
                }
                break;
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw new InvalidInputException(dir + ": " + what + " must be a folder, but " + e.getFile() + " is a file");
        } catch (IOException e) {
            throw new InvalidInputException(dir + ": cannot create " + what + " (" + reason(e) + ")");
        }
        // Permission bits do not say it all (read-only mounts, quotas, root): try it.
        try {
            Files.delete(Files.createTempFile(dir, ".write-check", ".tmp"));
        } catch (IOException e) {
            throw new InvalidInputException(dir + ": cannot write " + what + " there (" + reason(e) + ")");
        }
        return dir;
    }

    /**
     * Checks that {@code file} can be written: not a folder, in a folder that takes files (created
     * when missing). An existing file is replaced later, never here.
     *
     * @param what what the file is for, for the message
     * @return {@code file}
     */
    public static Path file(Path file, String what) {
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(file + ": " + what + " must be a file, but it is a folder");
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new InvalidInputException(file + ": cannot write " + what + " (the file is read-only)");
        }
        Path parent = file.toAbsolutePath().getParent();
        folder(parent, "the folder of " + what);
        return file;
    }

    /** Writes a file's content to the temporary path it is given. */
    @FunctionalInterface
    public interface Content {
        void writeTo(Path tmp) throws IOException;
    }

    /**
     * Replaces {@code target} atomically: the content is written to a temporary file beside it (same
     * folder, so the rename stays on one file system), then renamed over it; a half-written file never
     * stands at {@code target}, and a failed write leaves the old one.
     *
     * @param suffix the temporary file's suffix (some writers, like image encoders, need the extension)
     */
    public static void replace(Path target, String suffix, Content content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), suffix);
        try {
            content.writeTo(tmp);
            Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** {@link #replace} with UTF-8 text. */
    public static void writeAtomically(Path target, String text) throws IOException {
        replace(target, ".tmp", tmp -> Files.writeString(tmp, text, java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String reason(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
