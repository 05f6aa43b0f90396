package io.siplb.core.dispatch;

import java.util.Locale;

/** How the hash algorithms map a key to a destination ({@code siplb.dispatch.hash-mode}). */
public enum HashMode {
    /**
     * Kamailio's rule: hash modulo the set size, then the next usable destination. When one is
     * down its whole share lands on its neighbour (Kamailio issue 2361).
     */
    KAMAILIO,
    /**
     * Rendezvous (highest random weight, Thaler and Ravishankar 1998): every usable destination
     * scores the key and the highest wins. A dead destination's keys spread evenly over the
     * others; keys of live destinations never move.
     */
    RENDEZVOUS;

    public static HashMode parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "kamailio" -> KAMAILIO;
            case "rendezvous" -> RENDEZVOUS;
            default -> throw new IllegalArgumentException("'" + text + "' is not kamailio or rendezvous");
        };
    }
}
