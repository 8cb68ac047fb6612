package io.distill4j.cli;

/** Bad input from the user (a file, a key, an option): printed as one line, exit code 2. */
final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UserError(String message) {
        super(message);
    }
}
