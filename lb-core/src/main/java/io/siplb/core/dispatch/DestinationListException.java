package io.siplb.core.dispatch;

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

    /** The file (or other source) that was read. */
    public String source() {
        return source;
    }

    /** The line at fault, 1-based; 0 when the fault is not on one line. */
    public int line() {
        return line;
    }
}
