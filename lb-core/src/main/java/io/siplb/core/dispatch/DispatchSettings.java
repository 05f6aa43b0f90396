package io.siplb.core.dispatch;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import java.util.Objects;

/**
 * The {@code siplb.dispatch.*} keys: which set new requests go to and how a destination is chosen.
 *
 * @param set destination set for new requests ({@code siplb.dispatch.set}, default 1)
 * @param algorithm Kamailio number or name ({@code siplb.dispatch.algorithm}, default round-robin)
 * @param limit destinations tried per request, 0 = all ({@code siplb.dispatch.limit})
 * @param hashMode kamailio or rendezvous ({@code siplb.dispatch.hash-mode}, default kamailio)
 * @param hashHeader header hashed by algorithm 7 ({@code siplb.dispatch.hash-header}), required
 *     by it and ignored otherwise
 */
public record DispatchSettings(int set, Algorithm algorithm, int limit, HashMode hashMode, String hashHeader) {

    /** The {@code siplb.dispatch.*} defaults ({@link io.siplb.core.config.ConfigDefaults}). */
    public static final DispatchSettings DEFAULT = from(ConfigValues.defaults());

    public DispatchSettings {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(hashMode, "hashMode");
        if (set < 0) {
            throw new ConfigException("siplb.dispatch.set", Integer.toString(set), "must be 0 or more");
        }
        if (limit < 0) {
            throw new ConfigException("siplb.dispatch.limit", Integer.toString(limit), "must be 0 (all) or more");
        }
        if (algorithm == Algorithm.HASH_HEADER && (hashHeader == null || hashHeader.isBlank())) {
            throw new ConfigException("siplb.dispatch.hash-header", hashHeader == null ? "" : hashHeader,
                    "must name a header when siplb.dispatch.algorithm is 7 (hash-header)");
        }
    }

    /** Reads the keys; one not given takes its default. */
    public static DispatchSettings from(ConfigValues config) {
        int set = config.integer("siplb.dispatch.set", 0, Integer.MAX_VALUE);
        String algorithmText = config.string("siplb.dispatch.algorithm");
        Algorithm algorithm;
        try {
            algorithm = Algorithm.parse(algorithmText);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("siplb.dispatch.algorithm", algorithmText, e.getMessage());
        }
        int limit = config.integer("siplb.dispatch.limit", 0, 1_000_000);
        HashMode hashMode = HashMode.parse(config.oneOf("siplb.dispatch.hash-mode",
                "kamailio", "rendezvous"));
        String header = config.string("siplb.dispatch.hash-header");
        return new DispatchSettings(set, algorithm, limit, hashMode, header.isEmpty() ? null : header);
    }
}
