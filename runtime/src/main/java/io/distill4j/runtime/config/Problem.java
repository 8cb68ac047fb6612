package io.distill4j.runtime.config;

/**
 * One thing wrong with an experiment or an input: where it is, which setting, and what is wrong (in
 * the spirit of Typesafe Config's {@code ValidationProblem}).
 *
 * @param origin the file and line, or the named place (a pair, a jar)
 * @param path the config path of the setting, for example {@code train.data.channels}; null when
 *     the problem is not about one setting
 * @param message what is wrong and, where possible, how to fix it
 */
public record Problem(Origin origin, String path, String message) {
    public Problem {
        origin = origin == null ? Origin.UNKNOWN : origin;
    }

    /** A problem that is not about one setting. */
    public Problem(Origin origin, String message) {
        this(origin, null, message);
    }

    /** A problem at a place that is not a line of a file (a pair, a jar, an archive). */
    public static Problem at(String place, String message) {
        return new Problem(Origin.named(place), null, message);
    }

    @Override
    public String toString() {
        return origin.equals(Origin.IN_MESSAGE) ? message : origin + ": " + message;
    }
}
