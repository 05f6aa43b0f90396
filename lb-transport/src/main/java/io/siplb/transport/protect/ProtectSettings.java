package io.siplb.transport.protect;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.route.Cidr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code siplb.protect.*} keys.
 *
 * @param rate requests from one source address within {@code window} above which it is banned
 *     ({@code siplb.protect.rate}); 0 = no rate limit
 * @param window the counting window ({@code siplb.protect.window})
 * @param ban how long a ban lasts ({@code siplb.protect.ban})
 * @param trusted sources never limited nor banned ({@code siplb.protect.trusted}); destinations of
 *     the list are trusted too
 * @param userAgents User-Agent fragments (case-insensitive) whose requests are dropped and whose
 *     source is banned ({@code siplb.protect.user-agents}); empty = none
 * @param authFailures 401/407/403 answers to one source within {@code window} above which it is
 *     banned ({@code siplb.protect.auth-failures}); 0 = off
 * @param banDialogs whether a banned source's requests of established dialogs are dropped too
 *     ({@code siplb.protect.ban-dialogs})
 * @param maxSources sources tracked at most; the least recently seen are forgotten first
 *     ({@code siplb.protect.max-sources})
 */
public record ProtectSettings(int rate, Duration window, Duration ban, List<Cidr> trusted, List<String> userAgents,
        int authFailures, boolean banDialogs, int maxSources) {

    public ProtectSettings {
        trusted = List.copyOf(trusted);
        List<String> lower = new ArrayList<>();
        for (String agent : userAgents) {
            lower.add(agent.toLowerCase(Locale.ROOT));
        }
        userAgents = List.copyOf(lower);
    }

    /** Reads the keys. */
    public static ProtectSettings from(ConfigValues config) {
        int rate = config.integer("siplb.protect.rate", 0, 10_000_000);
        Duration window = config.duration("siplb.protect.window", Duration.ofMillis(100),
                Duration.ofHours(1));
        Duration ban = config.duration("siplb.protect.ban", Duration.ofSeconds(1),
                Duration.ofDays(7));
        String trustedText = config.string("siplb.protect.trusted");
        List<Cidr> trusted;
        try {
            trusted = Cidr.parseAll(trustedText);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("siplb.protect.trusted", trustedText, e.getMessage());
        }
        List<String> agents = new ArrayList<>();
        for (String item : config.string("siplb.protect.user-agents").split(",")) {
            if (!item.isBlank()) {
                agents.add(item.trim());
            }
        }
        int authFailures = config.integer("siplb.protect.auth-failures", 0, 1_000_000);
        boolean banDialogs = Boolean.parseBoolean(config.oneOf("siplb.protect.ban-dialogs", "true", "false"));
        int maxSources = config.integer("siplb.protect.max-sources", 100, 10_000_000);
        return new ProtectSettings(rate, window, ban, trusted, agents, authFailures, banDialogs, maxSources);
    }
}
