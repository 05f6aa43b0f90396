package io.siplb.transport.probe;

import io.netty.util.AsciiString;
import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.sip.SipGrammar;
import io.siplb.core.sip.SipMessage;
import java.time.Duration;

/**
 * The load a destination reports in its probe replies — FreeSWITCH's {@code X-FS-Calls}, an
 * Asterisk dialplan's own header — and, optionally, the most calls it takes. While fresh
 * ({@code siplb.probe.load-ttl}) the report stands for the destination's load in call load
 * (algorithm 10), {@code maxload} and free capacity ({@code io.siplb.core.dispatch.ReportedLoad}).
 *
 * @param callsHeader the header with its calls ({@code siplb.probe.load-header}), or {@code null}: off
 * @param capacityHeader the header with the most calls it takes ({@code siplb.probe.capacity-header}), or {@code null}
 * @param ttl how long a report stands
 */
public record ProbeLoad(String callsHeader, String capacityHeader, Duration ttl) {

    /** Nothing reported is read. */
    public static final ProbeLoad NONE = new ProbeLoad(null, null, Duration.ofSeconds(30));

    /** Not a figure: {@link #figure} found a value that is no integer from 0 to 2^31-1. */
    static final int BAD = -2;
    /** No such header in the reply. */
    static final int ABSENT = -1;

    static ProbeLoad from(ConfigValues config) {
        String calls = header(config, "siplb.probe.load-header");
        String capacity = header(config, "siplb.probe.capacity-header");
        if (capacity != null && calls == null) {
            throw new ConfigException("siplb.probe.capacity-header", capacity,
                    "needs siplb.probe.load-header: a capacity alone says nothing of the load");
        }
        return new ProbeLoad(calls, capacity, config.duration("siplb.probe.load-ttl", Duration.ofSeconds(1),
                Duration.ofHours(1)));
    }

    private static String header(ConfigValues config, String key) {
        String name = config.string(key);
        if (name.isEmpty()) {
            return null;
        }
        if (!SipGrammar.isToken(name)) {
            throw new ConfigException(key, name, "must be a header name such as X-FS-Calls");
        }
        return name;
    }

    public boolean enabled() {
        return callsHeader != null;
    }

    /** The figure in {@code header} of {@code reply}: {@link #ABSENT}, {@link #BAD}, or 0..2^31-1. */
    static int figure(SipMessage reply, String header) {
        if (header == null) {
            return ABSENT;
        }
        AsciiString value = reply.headerValue(header);
        if (value == null) {
            return ABSENT;
        }
        String text = value.toString().trim();
        if (text.isEmpty() || text.length() > 10 || !text.chars().allMatch(Character::isDigit)) {
            return BAD;
        }
        long figure = Long.parseLong(text);
        return figure > Integer.MAX_VALUE ? BAD : (int) figure;
    }
}
