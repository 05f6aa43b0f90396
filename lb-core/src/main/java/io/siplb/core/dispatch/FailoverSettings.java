package io.siplb.core.dispatch;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code siplb.failover.*} keys: when an attempt has failed and what then.
 *
 * @param codes final responses that move on to the next destination (default {@code 5xx,408})
 * @param timeout no reply at all from a destination (Kamailio's {@code fr_timer}, default 2s)
 * @param inviteTimeout no final reply after a provisional ({@code fr_inv_timer}, default 120s)
 * @param mark what a failure does to the destination (default inactive)
 * @param exhaustedReply status sent upstream when the plan runs out with no final reply to relay
 *     (default 503)
 * @param maxLifetime the whole life of an INVITE across every attempt (Kamailio's
 *     {@code max_inv_lifetime}, RFC 3261 Timer C; default 180s): after it no new destination is
 *     tried and every attempt's timers are clamped to what is left of it
 */
public record FailoverSettings(FailoverCodes codes, Duration timeout, Duration inviteTimeout, FailureMark mark,
        int exhaustedReply, Duration maxLifetime) {

    /** The {@code siplb.failover.*} defaults ({@link io.siplb.core.config.ConfigDefaults}). */
    public static final FailoverSettings DEFAULT = from(ConfigValues.defaults());

    /** {@code siplb.failover.max-lifetime}'s default, Kamailio's {@code max_inv_lifetime}. */
    public static final Duration DEFAULT_MAX_LIFETIME = DEFAULT.maxLifetime();

    /** Settings with the default {@link #maxLifetime}. */
    public FailoverSettings(FailoverCodes codes, Duration timeout, Duration inviteTimeout, FailureMark mark,
            int exhaustedReply) {
        this(codes, timeout, inviteTimeout, mark, exhaustedReply, DEFAULT_MAX_LIFETIME);
    }

    public FailoverSettings {
        Objects.requireNonNull(codes, "codes");
        Objects.requireNonNull(mark, "mark");
        requirePositive("siplb.failover.timeout", timeout);
        requirePositive("siplb.failover.invite-timeout", inviteTimeout);
        requirePositive("siplb.failover.max-lifetime", maxLifetime);
        if (exhaustedReply < 300 || exhaustedReply > 699) {
            throw new ConfigException("siplb.failover.exhausted-reply", Integer.toString(exhaustedReply),
                    "must be a final failure status 300..699");
        }
    }

    private static void requirePositive(String key, Duration value) {
        Objects.requireNonNull(value, key);
        if (value.isZero() || value.isNegative()) {
            throw new ConfigException(key, ConfigValues.format(value), "must be more than 0");
        }
    }

    /** Reads the keys; one not given takes its default. */
    public static FailoverSettings from(ConfigValues config) {
        String codesText = config.string("siplb.failover.codes");
        FailoverCodes codes;
        try {
            codes = FailoverCodes.parse(codesText);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("siplb.failover.codes", codesText, e.getMessage());
        }
        Duration timeout = config.duration("siplb.failover.timeout",
                Duration.ofMillis(100), Duration.ofMinutes(5));
        Duration inviteTimeout = config.duration("siplb.failover.invite-timeout",
                Duration.ofSeconds(1), Duration.ofHours(1));
        FailureMark mark = FailureMark.parse(config.oneOf("siplb.failover.mark",
                "none", "trying", "inactive"));
        int exhausted = config.integer("siplb.failover.exhausted-reply", 300, 699);
        Duration maxLifetime = config.duration("siplb.failover.max-lifetime",
                Duration.ofSeconds(1), Duration.ofHours(24));
        return new FailoverSettings(codes, timeout, inviteTimeout, mark, exhausted, maxLifetime);
    }
}
