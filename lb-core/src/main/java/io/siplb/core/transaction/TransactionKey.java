package io.siplb.core.transaction;

import io.netty.util.AsciiString;

/**
 * A transaction's key in the tables, compared by value: for a server transaction the branch,
 * sent-by host and port and method of RFC 3261 §17.2.3; for a client transaction the branch and
 * CSeq method of §17.1.3 (host empty, port 0). Built from the fields the parser already holds,
 * so that matching a request or a response builds no text. The branch is always an
 * {@link AsciiString}: equal keys must compare equal whatever message they came from.
 */
record TransactionKey(AsciiString branch, AsciiString host, int port, String method) {

    /** The key of a client transaction: our branch and the CSeq method. */
    static TransactionKey client(CharSequence branch, String method) {
        return new TransactionKey(AsciiString.of(branch), AsciiString.EMPTY_STRING, 0, method);
    }
}
