package io.distill4j.runtime.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What is checked on an experiment file's text before HOCON reads it: that it is UTF-8, that every
 * plain {@code include} finds its file (HOCON would silently ignore one that does not), and, when
 * parsing fails, which bracket is left open (HOCON reports it as a missing {@code ')'}).
 */
final class ExperimentText {
    private static final Pattern INCLUDE = Pattern.compile(
            "^\\s*include\\s+(?:required\\(\\s*)?(?:file\\(\\s*)?\"([^\"]+)\"");

    private ExperimentText() {}

    /** The text, decoded strictly as UTF-8 (a leading byte-order mark is dropped). */
    static String read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ExperimentException(List.of(Problem.at(file.toString(), "cannot read (" + e.getMessage() + ")")));
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            int line = 1;
            int bad = firstInvalid(bytes);
            for (int i = 0; i < bad; i++) {
                line += bytes[i] == '\n' ? 1 : 0;
            }
            throw new ExperimentException(List.of(new Problem(new Origin(file.toString(), line, null),
                    "not valid UTF-8 (byte " + bad + "); save the file as UTF-8")));
        }
    }

    /** Where decoding stops: the offset of the first byte that is not UTF-8. */
    private static int firstInvalid(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
        StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in, out, true);
        return in.position();
    }

    /** Each plain {@code include "x"} (or {@code include file("x")}) whose file does not exist, with its line. */
    static List<Problem> missingIncludes(Path file, String text) {
        List<Problem> problems = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = INCLUDE.matcher(lines[i]);
            if (m.find()) {
                Path target = Path.of(m.group(1));
                Path resolved = target.isAbsolute() ? target : file.toAbsolutePath().getParent().resolve(target);
                if (!Files.isRegularFile(resolved)) {
                    problems.add(new Problem(new Origin(file.toString(), i + 1, null), "include \"" + m.group(1)
                            + "\" finds no file (" + resolved + ")" + (lines[i].contains("required(") ? ""
                            : "; HOCON would skip it without a word")));
                }
            }
        }
        return problems;
    }

    /**
     * The innermost bracket left open at the end of the text, as {@code "<line>:<message>"}, or null
     * when every bracket is closed. Strings and comments are skipped.
     */
    static String unclosed(String text) {
        Deque<int[]> open = new ArrayDeque<>();
        int line = 1;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == '\n') {
                line++;
            } else if (ch == '"') {
                for (i++; i < text.length() && text.charAt(i) != '"' && text.charAt(i) != '\n'; i++) {
                    if (text.charAt(i) == '\\') {
                        i++;
                    }
                }
                if (i < text.length() && text.charAt(i) == '\n') {
                    line++;
                }
            } else if (ch == '#' || (ch == '/' && i + 1 < text.length() && text.charAt(i + 1) == '/')) {
                while (i + 1 < text.length() && text.charAt(i + 1) != '\n') {
                    i++;
                }
            } else if (ch == '{' || ch == '[') {
                open.push(new int[] {ch, line});
            } else if ((ch == '}' || ch == ']') && !open.isEmpty()) {
                open.pop();
            }
        }
        if (open.isEmpty()) {
            return null;
        }
        int[] last = open.peek();
        char bracket = (char) last[0];
        return last[1] + ":the '" + bracket + "' opened here is never closed (a '" + (bracket == '{' ? '}' : ']')
                + "' is missing before the end of the file)";
    }
}
