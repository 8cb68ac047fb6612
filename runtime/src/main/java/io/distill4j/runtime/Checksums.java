package io.distill4j.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * SHA-256 checksums of the files a run writes and reads back (checkpoints, cached teachers), in the
 * {@code sha256sum} format ({@code <hex>  <name>} per line), so a flipped byte or a file cut short is
 * found before it is loaded.
 */
public final class Checksums {
    /** The manifest of a checkpoint folder. */
    public static final String MANIFEST = "checksums.sha256";

    private Checksums() {}

    /** The SHA-256 of a file, in hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Writes {@code dir/checksums.sha256} over the named files of {@code dir}. */
    public static void writeManifest(Path dir, List<String> names) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String name : names) {
            b.append(sha256(dir.resolve(name))).append("  ").append(name).append('\n');
        }
        Files.writeString(dir.resolve(MANIFEST), b.toString(), StandardCharsets.UTF_8);
    }

    /**
     * Checks every file the manifest of {@code dir} lists.
     *
     * @return the names it lists
     * @throws InvalidInputException naming the file that is missing or changed, or the manifest itself
     */
    public static List<String> verifyManifest(Path dir) {
        Path manifest = dir.resolve(MANIFEST);
        List<String> lines;
        try {
            lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException(manifest + ": missing or unreadable checksum list; the folder was not"
                    + " written by a complete save");
        }
        List<String> names = new ArrayList<>();
        for (String line : lines) {
            String[] parts = line.split(" {2}", 2);
            if (parts.length != 2 || !parts[0].matches("[0-9a-f]{64}") || parts[1].contains("/")) {
                throw new InvalidInputException(manifest + ": malformed line '" + line + "'");
            }
            Path file = dir.resolve(parts[1]);
            String actual;
            try {
                actual = sha256(file);
            } catch (IOException e) {
                throw new InvalidInputException(file + ": missing from its checkpoint (listed in " + MANIFEST + ")");
            }
            if (!actual.equals(parts[0])) {
                throw new InvalidInputException(file + ": its checksum does not match " + MANIFEST
                        + " (the file changed or was damaged after it was written)");
            }
            names.add(parts[1]);
        }
        return names;
    }

    /** Writes {@code <file>.sha256} beside a single file. */
    public static void writeSidecar(Path file) throws IOException {
        Files.writeString(Path.of(file + ".sha256"), sha256(file) + "  " + file.getFileName() + "\n", StandardCharsets.UTF_8);
    }

    /**
     * Checks a file against its {@code .sha256} sidecar.
     *
     * @return false when there is no sidecar (a file from before checksums); true when it matches
     * @throws InvalidInputException naming the file when it does not match
     */
    public static boolean verifySidecar(Path file) {
        Path sidecar = Path.of(file + ".sha256");
        if (!Files.isRegularFile(sidecar)) {
            return false;
        }
        try {
            String expected = Files.readString(sidecar, StandardCharsets.UTF_8).split(" ", 2)[0].trim();
            if (!sha256(file).equals(expected)) {
                throw new InvalidInputException(file + ": its checksum does not match " + sidecar.getFileName()
                        + " (the file changed or was damaged after it was written)");
            }
            return true;
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read it or its checksum (" + e.getMessage() + ")");
        }
    }
}
