package io.siplb.core.dispatch;

import java.util.List;

/**
 * A {@code dispatcher.list} that cannot be loaded, with {@code file:line: what is wrong}. The whole
 * file is refused: a typo never silently removes capacity, and the list in force stays.
 */
public final class DestinationListException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;

    public DestinationListException(String source, int line, String problem) {
        super(line > 0 ? source + ":" + line + ": " + problem : source + ": " + problem);
        this.source = source;
        this.line = line;
    }

    /**
     * Every problem of one read of {@code source}, each already saying where it is ({@code
     * file:line: …}, a table's row and column): the message is the one problem, or all of them a
     * line each.
     */
    public static DestinationListException of(String source, List<String> problems) {
        return new DestinationListException(problems.size() == 1 ? problems.get(0)
                : problems.size() + " problems in " + source + ":\n  " + String.join("\n  ", problems), source);
    }

    private DestinationListException(String message, String source) {
        super(message);
        this.source = source;
        this.line = 0;
    }

    /** The file (or other source) that was read. */
    public String source() {
        return source;
    }

    /** The line at fault, 1-based; 0 when the fault is not on one line. */
    public int line() {
        return line;
    }
}
