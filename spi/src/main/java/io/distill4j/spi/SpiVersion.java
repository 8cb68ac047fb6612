package io.distill4j.spi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code major.minor} version of this SPI.
 *
 * <p>A plugin built against SPI {@code M.m} loads into a host providing {@code M.n} when
 * {@code m <= n}: minor releases only add (default methods, static factories); a new major breaks.
 */
public final class SpiVersion implements Comparable<SpiVersion> {
    private static final Pattern FORMAT = Pattern.compile("(\\d+)\\.(\\d+)");
    private static final SpiVersion CURRENT = readCurrent();

    private final int major;
    private final int minor;

    private SpiVersion(int major, int minor) {
        this.major = major;
        this.minor = minor;
    }

    /**
     * The version of the SPI classes on the class path (the host's version).
     *
     * @return the version of the SPI classes on the class path (the host's version)
     */
    public static SpiVersion current() {
        return CURRENT;
    }

    /**
     * Parses {@code major.minor}.
     *
     * @param text the version, for example {@code "1.0"}
     * @return the version
     * @throws IllegalArgumentException if the text is not of that form
     */
    public static SpiVersion parse(String text) {
        Matcher m = FORMAT.matcher(Objects.requireNonNull(text, "text").trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "not an SPI version (expected major.minor, e.g. 1.0): '" + text + "'");
        }
        return new SpiVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /**
     * The major version: a plugin must be built against exactly this major.
     *
     * @return the major version: a plugin must be built against exactly this major
     */
    public int major() {
        return major;
    }

    /**
     * The minor version: a plugin's minor must not be newer than the host's.
     *
     * @return the minor version: a plugin's minor must not be newer than the host's
     */
    public int minor() {
        return minor;
    }

    /**
     * Whether a plugin built against {@code pluginVersion} can run on a host providing this version.
     *
     * @param pluginVersion the SPI version the plugin was compiled against
     * @return true for the same major and a minor not newer than this one
     */
    public boolean canHost(SpiVersion pluginVersion) {
        return pluginVersion.major == major && pluginVersion.minor <= minor;
    }

    @Override
    public int compareTo(SpiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpiVersion v && v.major == major && v.minor == minor;
    }

    @Override
    public int hashCode() {
        return 31 * major + minor;
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }

    private static SpiVersion readCurrent() {
        try (InputStream in = SpiVersion.class.getResourceAsStream("/META-INF/distill4j-spi.properties")) {
            if (in == null) {
                throw new IllegalStateException("distill4j-spi.properties missing from the SPI jar");
            }
            Properties p = new Properties();
            p.load(in);
            return parse(p.getProperty("spi-version"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
