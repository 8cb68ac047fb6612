package io.distill4j.runtime;

import io.distill4j.runtime.config.Origin;
import io.distill4j.runtime.config.Problem;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The one root of everything distill4j throws on purpose. Its {@link #kind()} tells whose fault it
 * is: {@link Kind#BAD_INPUT}, something the user gave (an experiment, a plugin jar, a file, a
 * tensor), which a tool reports in one line per problem and exits with 2; or {@link Kind#INTERNAL},
 * a fault of distill4j itself. Every exception carries its problems, each with its origin (file and
 * line, pair or jar); the subtypes exist so callers can catch one family.
 */
public class Distill4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Whose fault it is. */
    public enum Kind {
        /** Bad input: the message says what to fix. */
        BAD_INPUT,
        /** A fault of distill4j; please report it. */
        INTERNAL
    }

    private final Kind kind;
    private final transient List<Problem> problems;

    /**
     * @param problems what is wrong, at least one, each with its origin
     */
    public Distill4jException(Kind kind, List<Problem> problems) {
        this(kind, problems, null);
    }

    public Distill4jException(Kind kind, List<Problem> problems, Throwable cause) {
        super(render(problems), cause);
        this.kind = kind;
        this.problems = List.copyOf(problems);
    }

    /** A problem described by one message that already names its place (a file, a pair). */
    public Distill4jException(Kind kind, String message) {
        super(message);
        this.kind = kind;
        this.problems = List.of(new Problem(Origin.IN_MESSAGE, message));
    }

    public Kind kind() {
        return kind;
    }

    /** Every problem found, in order. */
    public List<Problem> problems() {
        return problems;
    }

    private static String render(List<Problem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a Distill4jException needs at least one problem");
        }
        if (problems.size() == 1) {
            return problems.get(0).toString();
        }
        return problems.size() + " problems:\n" + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n"));
    }
}
