package io.siplb.core.dispatch;

import io.siplb.core.sip.SipUri;
import io.siplb.core.sip.Uri;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads Kamailio's {@code dispatcher.list} format, one destination a line:
 *
 * <pre>
 * # setid  destination                    flags  priority  attrs
 * 1        sip:10.0.0.11:5060             0      10        duid=pbx1;weight=50;maxload=200
 * 1        sip:10.0.0.12:5060;transport=tcp 8    5         duid=pbx2;weight=50
 * </pre>
 *
 * <p>Fields are separated by white space; {@code #} starts a comment (except inside the attrs
 * field, where it may be part of a value); blank lines are skipped. Flags and priority are
 * non-negative integers and may be left out; a field after the URI that holds {@code =} is the
 * attrs field. Any fault refuses the whole file with {@code file:line: what is wrong}.
 */
public final class DestinationListParser {
    private DestinationListParser() {
    }

    /** Reads and parses {@code file} (UTF-8). */
    public static List<DestinationDefinition> read(Path file) throws DestinationListException {
        Objects.requireNonNull(file, "file");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DestinationListException(file.toString(), 0, "cannot read: " + e.getMessage());
        }
        return parse(file.toString(), lines);
    }

    /** Parses the lines of {@code source} (a name for messages). */
    public static List<DestinationDefinition> parse(String source, List<String> lines)
            throws DestinationListException {
        List<DestinationListException> problems = new ArrayList<>();
        List<DestinationDefinition> definitions = parse(source, lines, problems);
        if (!problems.isEmpty()) {
            throw problems.get(0);
        }
        return definitions;
    }

    /**
     * Reads {@code file} as far as it parses: the destinations of its good lines, and every fault
     * added to {@code problems} in line order (an unreadable file is one fault on line 0).
     */
    public static List<DestinationDefinition> read(Path file, List<DestinationListException> problems) {
        try {
            return parse(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8), problems);
        } catch (IOException e) {
            problems.add(new DestinationListException(file.toString(), 0, "cannot read: " + e.getMessage()));
            return List.of();
        }
    }

    private static List<DestinationDefinition> parse(String source, List<String> lines,
            List<DestinationListException> problems) {
        Objects.requireNonNull(source, "source");
        List<DestinationDefinition> definitions = new ArrayList<>();
        Map<DestinationDefinition.DestinationKey, Integer> seen = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int lineNumber = i + 1;
            DestinationDefinition definition;
            try {
                definition = parseLine(lines.get(i), lineNumber);
            } catch (IllegalArgumentException e) {
                problems.add(new DestinationListException(source, lineNumber, e.getMessage()));
                continue;
            }
            if (definition == null) {
                continue;
            }
            Integer first = seen.putIfAbsent(definition.key(), lineNumber);
            if (first != null) {
                problems.add(new DestinationListException(source, lineNumber, "destination "
                        + definition.uri().text() + " is already in set " + definition.setId()
                        + " (line " + first + ")"));
                continue;
            }
            definitions.add(definition);
        }
        return definitions;
    }

    /**
     * One destination written as a list line ({@code setid uri [flags [priority [attrs]]]}), as
     * the admin API adds it.
     *
     * @throws IllegalArgumentException saying what is wrong, also for a blank line
     */
    public static DestinationDefinition parseDefinition(String line) {
        DestinationDefinition definition = parseLine(line, 0);
        if (definition == null) {
            throw new IllegalArgumentException("expected 'setid uri [flags [priority [attrs]]]'");
        }
        return definition;
    }

    /** One line, or {@code null} when it is blank or a comment. */
    static DestinationDefinition parseLine(String text, int lineNumber) {
        String line = text.trim();
        List<String> tokens = new ArrayList<>(5);
        int end = 0;
        while (true) {
            int start = end;
            while (start < line.length() && whitespace(line.charAt(start))) {
                start++;
            }
            if (start == line.length()) {
                break;
            }
            end = start;
            while (end < line.length() && !whitespace(line.charAt(end))) {
                end++;
            }
            String field = line.substring(start, end);
            boolean attrs = tokens.size() >= 2 && field.indexOf('=') > 0;
            int hash = attrs ? -1 : field.indexOf('#');
            if (hash == 0) {
                break;
            }
            if (hash > 0) {
                tokens.add(field.substring(0, hash));
                break;
            }
            tokens.add(field);
        }
        if (tokens.isEmpty()) {
            return null;
        }
        if (tokens.size() < 2) {
            throw new IllegalArgumentException("expected 'setid uri [flags [priority [attrs]]]'");
        }
        int setId = number(tokens.get(0), "set id");
        SipUri uri = sipUri(tokens.get(1));
        int flags = 0;
        int priority = 0;
        DestinationAttributes attributes = DestinationAttributes.NONE;
        int next = 2;
        if (next < tokens.size() && !isAttributes(tokens.get(next))) {
            flags = checkFlags(number(tokens.get(next++), "flags"));
        }
        if (next < tokens.size() && !isAttributes(tokens.get(next))) {
            priority = number(tokens.get(next++), "priority");
        }
        if (next < tokens.size()) {
            attributes = DestinationAttributes.parse(tokens.get(next++));
        }
        if (next < tokens.size()) {
            throw new IllegalArgumentException("unexpected field '" + tokens.get(next)
                    + "' after the attrs (attrs hold no spaces)");
        }
        return new DestinationDefinition(setId, uri, flags, priority, attributes, lineNumber);
    }

    /** {@code flags}, when it holds only the bits a list may carry. */
    public static int checkFlags(int flags) {
        if ((flags & ~DestinationDefinition.ALL_FLAGS) != 0) {
            throw new IllegalArgumentException("flags " + flags + " has bits outside "
                    + DestinationDefinition.ALL_FLAGS
                    + " (1 inactive, 2 trying, 4 disabled, 8 probing, 16 no DNS, 32 no ping)");
        }
        return flags;
    }

    /**
     * The list line that reads back as {@code definition}: how a copy of another source (a
     * database table) is kept as a list file.
     */
    public static String line(DestinationDefinition definition) {
        String attrs = definition.attributes().text();
        return definition.setId() + " " + definition.uri().text() + " " + definition.flags() + " "
                + definition.priority() + (attrs.isEmpty() ? "" : " " + attrs);
    }

    /** The characters a list line's fields are separated by (a regular expression's {@code \s}). */
    private static boolean whitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    private static boolean isAttributes(String token) {
        return token.indexOf('=') > 0;
    }

    private static int number(String token, String what) {
        if (token.isEmpty() || token.length() > 9 || !asciiDigits(token)) {
            throw new IllegalArgumentException(what + " '" + token + "' is not a number 0..999999999");
        }
        return Integer.parseInt(token);
    }

    /** Whether {@code token} is ASCII digits only ({@code Character.isDigit} admits other scripts' digits). */
    private static boolean asciiDigits(String token) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * A destination URI as the list and the table hold it.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static SipUri sipUri(String token) {
        Uri uri;
        try {
            uri = Uri.parse(token);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (!(uri instanceof SipUri sip)) {
            throw new IllegalArgumentException("destination '" + token + "' must be a sip: or sips: URI");
        }
        if (sip.headers() != null) {
            throw new IllegalArgumentException("destination '" + token + "' must not carry ?headers");
        }
        return sip;
    }
}
