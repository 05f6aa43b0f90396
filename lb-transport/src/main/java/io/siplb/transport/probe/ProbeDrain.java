package io.siplb.transport.probe;

import io.netty.util.AsciiString;
import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.dispatch.FailoverCodes;
import io.siplb.core.sip.SipGrammar;
import io.siplb.core.sip.SipMessage;
import java.util.Locale;

/**
 * When a probe reply says its destination is closing — a FreeSWITCH or Asterisk about to be
 * taken out answers OPTIONS with a status such as 503 (with Retry-After), or with a header such as
 * {@code X-FS-Status: closing} — the destination drains instead of going down: no new dialogs,
 * while its live ones go on. A later reply that says nothing of the kind ends that drain.
 *
 * @param codes reply codes that mean closing ({@code siplb.probe.drain-codes}); empty for none
 * @param header the header that says it, or {@code null} ({@code siplb.probe.drain-header}, name part)
 * @param value the header's value that means closing, compared without case
 */
public record ProbeDrain(FailoverCodes codes, String header, String value) {

    /** Nothing in a reply drains. */
    public static final ProbeDrain NONE = new ProbeDrain(FailoverCodes.parse("", 100), null, null);

    static ProbeDrain from(ConfigValues config) {
        String codesText = config.string("siplb.probe.drain-codes");
        FailoverCodes codes;
        try {
            codes = FailoverCodes.parse(codesText, 100);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("siplb.probe.drain-codes", codesText, e.getMessage());
        }
        String headerText = config.string("siplb.probe.drain-header");
        if (headerText.isEmpty()) {
            return new ProbeDrain(codes, null, null);
        }
        int colon = headerText.indexOf(':');
        String name = colon > 0 ? headerText.substring(0, colon).trim() : "";
        String value = colon > 0 ? headerText.substring(colon + 1).trim() : "";
        if (!SipGrammar.isToken(name) || value.isEmpty()) {
            throw new ConfigException("siplb.probe.drain-header", headerText,
                    "must be NAME: VALUE, e.g. X-FS-Status: closing");
        }
        return new ProbeDrain(codes, name, value.toLowerCase(Locale.ROOT));
    }

    /** Whether {@code reply} says its sender is closing. */
    public boolean says(SipMessage reply) {
        if (codes.contains(reply.statusCode())) {
            return true;
        }
        if (header == null) {
            return false;
        }
        AsciiString found = reply.headerValue(header);
        return found != null && found.toString().trim().toLowerCase(Locale.ROOT).equals(value);
    }
}
