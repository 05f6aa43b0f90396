package io.siplb.core.sip;

/**
 * A grammar violation found deep inside a header or URI parse, unwound to the public entry point
 * that turns it into a {@link ParseResult.Malformed} or an empty result. It never leaves this
 * package and carries no stack trace: it is control flow, not a diagnostic.
 */
final class SyntaxError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int offset;

    SyntaxError(int offset, String reason) {
        super(reason, null, false, false);
        this.offset = offset;
    }

    int offset() {
        return offset;
    }

}
