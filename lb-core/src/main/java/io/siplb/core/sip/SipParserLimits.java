package io.siplb.core.sip;

/**
 * The bounds the parser enforces on one message. Exceeding one gives a {@link ParseResult.Malformed}
 * result naming the limit, never a truncated message.
 *
 * <table>
 *   <caption>Limits and their defaults</caption>
 *   <tr><th>key</th><th>default</th><th>range</th><th>why</th></tr>
 *   <tr><td>{@code siplb.parser.max-message-bytes}</td><td>65535</td><td>64..65535</td>
 *       <td>a UDP datagram carries at most 65507 octets; offsets are kept in 16 bits</td></tr>
 *   <tr><td>{@code siplb.parser.max-headers}</td><td>256</td><td>8..4096</td>
 *       <td>bounds the header index; RFC 4475 §3.1.1.7 has 45 header lines</td></tr>
 *   <tr><td>{@code siplb.parser.max-line-bytes}</td><td>8192</td><td>64..65535</td>
 *       <td>one physical line, start line included; the longest torture line is ~500 octets</td></tr>
 * </table>
 *
 * @param maxMessageBytes largest message accepted, start line to end of body
 * @param maxHeaders most header fields (lines, after unfolding) in one message
 * @param maxLineBytes longest physical line, without its CRLF
 */
public record SipParserLimits(int maxMessageBytes, int maxHeaders, int maxLineBytes) {

    /** Largest message the index can address. */
    public static final int MAX_MESSAGE_BYTES = 0xFFFF;

    /** The defaults of the table above. */
    public static final SipParserLimits DEFAULT = new SipParserLimits(MAX_MESSAGE_BYTES, 256, 8192);

    /** Validates every bound; a bad one fails with the key, the value and the rule. */
    public SipParserLimits {
        requireRange("siplb.parser.max-message-bytes", maxMessageBytes, 64, MAX_MESSAGE_BYTES);
        requireRange("siplb.parser.max-headers", maxHeaders, 8, 4096);
        requireRange("siplb.parser.max-line-bytes", maxLineBytes, 64, MAX_MESSAGE_BYTES);
    }

    private static void requireRange(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    key + "=" + value + ": must be between " + min + " and " + max);
        }
    }
}
