package io.siplb.core.sip;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The CSeq header field (RFC 3261 §20.16): a sequence number and the method it numbers.
 *
 * @param number the sequence number, below 2^32 (RFC 3261 §8.1.1.5)
 * @param method the method, {@link SipMethod#OTHER} for an extension method
 * @param methodName the method as written
 */
public record CSeq(long number, SipMethod method, String methodName) {

    /** Largest sequence number accepted: the value must fit 32 unsigned bits. */
    public static final long MAX_NUMBER = 0xFFFF_FFFFL;

    public CSeq {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(methodName, "methodName");
    }

    /** Parses {@code 1*DIGIT LWS Method} in {@code [from, to)}; throws {@link SyntaxError}. */
    static CSeq parse(byte[] bytes, int from, int to) {
        int i = SipGrammar.skipLws(bytes, from, to);
        int digitsEnd = i;
        while (digitsEnd < to && bytes[digitsEnd] >= '0' && bytes[digitsEnd] <= '9') {
            digitsEnd++;
        }
        long number = SipGrammar.parseDecimal(bytes, i, digitsEnd, MAX_NUMBER);
        if (number < 0) {
            throw new SyntaxError(i, "CSeq number is missing or above 2^32-1");
        }
        int methodStart = SipGrammar.skipLws(bytes, digitsEnd, to);
        if (methodStart == digitsEnd) {
            throw new SyntaxError(digitsEnd, "CSeq needs white space before its method");
        }
        int methodEnd = SipGrammar.skipToken(bytes, methodStart, to);
        if (methodEnd == methodStart || SipGrammar.skipLws(bytes, methodEnd, to) != to) {
            throw new SyntaxError(methodEnd, "CSeq method is not a token");
        }
        SipMethod method = SipMethod.lookup(bytes, methodStart, methodEnd);
        String name = method == SipMethod.OTHER
                ? new String(bytes, methodStart, methodEnd - methodStart,
                        StandardCharsets.US_ASCII)
                : method.name();
        return new CSeq(number, method, name);
    }

    @Override
    public String toString() {
        return number + " " + methodName;
    }
}
