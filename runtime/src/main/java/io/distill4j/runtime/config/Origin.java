package io.distill4j.runtime.config;

import com.typesafe.config.ConfigOrigin;

/**
 * Where something came from: a file (or URL) and line of an experiment, or a named place that is
 * not a config file (a jar, a pair, the built-in default). Kept apart, not pre-joined, so a tool can
 * point at the file and line; {@link #toString()} renders {@code file:line}, the form messages use.
 *
 * @param file the file or URL, or null for a named place
 * @param line the line from 1, or 0 when unknown
 * @param description the named place, or Typesafe Config's own description when there is no file
 */
public record Origin(String file, int line, String description) {
    /** For a message that names its place itself (a file's path, a pair): nothing is added in front. */
    public static final Origin IN_MESSAGE = new Origin(null, 0, "");

    /** Unknown: neither file nor place. */
    public static final Origin UNKNOWN = new Origin(null, 0, "<unknown>");

    /** The origin of a Typesafe Config value. */
    public static Origin of(ConfigOrigin origin) {
        if (origin == null) {
            return UNKNOWN;
        }
        String where = origin.filename() != null ? origin.filename()
                : origin.url() != null ? origin.url().toString() : null;
        return where == null ? new Origin(null, Math.max(origin.lineNumber(), 0), origin.description())
                : new Origin(where, Math.max(origin.lineNumber(), 0), null);
    }

    /** A place that is not a line of a file: a jar, a layer pair, an archive. */
    public static Origin named(String place) {
        return new Origin(null, 0, place);
    }

    @Override
    public String toString() {
        if (file == null) {
            return description;
        }
        return line > 0 ? file + ":" + line : file;
    }
}
