package io.siplb.transport.probe;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.dispatch.FailoverCodes;
import io.siplb.core.sip.Uri;
import java.time.Duration;
import java.util.Locale;

/**
 * The {@code siplb.probe.*} keys: how destinations are probed (Kamailio's {@code ds_ping_*}).
 *
 * @param interval between two probes of one destination, 0 = no probing ({@code ds_ping_interval})
 * @param timeout how long a probe waits for its answer; its own, not the call {@code fr_timer}
 * @param method the request sent ({@code ds_ping_method}, OPTIONS)
 * @param from its From URI unless the destination has {@code ping_from} ({@code ds_ping_from})
 * @param mode Kamailio's {@code ds_probing_mode}: 0 probes destinations flagged probing, 1 all,
 *     2 those flagged probing and inactive, 3 like 0 but the flag survives success
 * @param aliveCodes final responses besides 2xx that count as alive ({@code ds_ping_reply_codes})
 * @param recheck how soon a destination a call's failure took down is probed again, at once and
 *     then at this interval until it answers ({@code siplb.probe.recheck}); 0 = at {@code interval}
 * @param drain what in a probe reply means its destination is closing: it drains ({@link ProbeDrain})
 * @param load the load a destination reports in its replies ({@link ProbeLoad})
 */
public record ProbeSettings(Duration interval, Duration timeout, String method, String from, int mode,
        FailoverCodes aliveCodes, Duration recheck, ProbeDrain drain, ProbeLoad load) {

    /** Without a recheck: a destination taken down by a call is probed at the interval like the others. */
    public ProbeSettings(Duration interval, Duration timeout, String method, String from, int mode,
            FailoverCodes aliveCodes) {
        this(interval, timeout, method, from, mode, aliveCodes, Duration.ZERO, ProbeDrain.NONE, ProbeLoad.NONE);
    }

    public static ProbeSettings from(ConfigValues config) {
        Duration interval = config.duration("siplb.probe.interval", Duration.ZERO,
                Duration.ofHours(1));
        if (!interval.isZero() && interval.toMillis() < 100) {
            throw new ConfigException("siplb.probe.interval", ConfigValues.format(interval),
                    "must be 0 (off) or from 100ms");
        }
        Duration timeout = config.duration("siplb.probe.timeout", Duration.ofMillis(100),
                Duration.ofMinutes(1));
        String method = config.string("siplb.probe.method").toUpperCase(Locale.ROOT);
        if (method.isEmpty() || !method.chars().allMatch(c -> Character.isLetter(c))) {
            throw new ConfigException("siplb.probe.method", method, "must be a SIP method name such as OPTIONS");
        }
        String from = config.string("siplb.probe.from");
        if (Uri.tryParse(from).isEmpty()) {
            throw new ConfigException("siplb.probe.from", from, "must be a URI such as sip:siplb@localhost");
        }
        int mode = config.integer("siplb.probe.mode", 0, 3);
        String codes = config.string("siplb.probe.reply-codes");
        FailoverCodes alive;
        try {
            alive = FailoverCodes.parse(codes.isEmpty() ? "" : codes, 100);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("siplb.probe.reply-codes", codes, e.getMessage());
        }
        Duration recheck = config.duration("siplb.probe.recheck", Duration.ZERO,
                Duration.ofHours(1));
        if (!recheck.isZero() && recheck.toMillis() < 100) {
            throw new ConfigException("siplb.probe.recheck", ConfigValues.format(recheck),
                    "must be 0 (at siplb.probe.interval) or from 100ms");
        }
        return new ProbeSettings(interval, timeout, method, from, mode, alive, recheck, ProbeDrain.from(config),
                ProbeLoad.from(config));
    }

    public boolean enabled() {
        return !interval.isZero();
    }

    /** What is probed how, for the start-up log: {@code OPTIONS every 10s (mode 0, timeout 2s)}. */
    public String describe() {
        return method + " every " + ConfigValues.format(interval) + " (mode " + mode + ", timeout "
                + ConfigValues.format(timeout) + ")";
    }
}
