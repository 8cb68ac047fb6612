package io.distill4j.runtime;

/** An input file that cannot be used (missing, unreadable, malformed); the message names the file. */
public class InvalidInputException extends Distill4jException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, starting with the file
     */
    public InvalidInputException(String message) {
        super(Kind.BAD_INPUT, message);
    }
}
