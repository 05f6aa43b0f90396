package io.siplb.core.route;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * How siplb reaches UDP clients behind NAT ({@code siplb.nat.*}): when a REGISTER or a dialog of a
 * UDP client gets an entry naming the address and port it came from (a flow, RFC 5626), and the
 * key that signs those entries so no outsider can steer a request to an address of its choosing.
 *
 * @param mode {@code siplb.nat.path}
 * @param key {@code siplb.nat.flow-key}, or one generated at start when that is empty
 * @param keyGiven whether the key came from the configuration (else a cluster may share one)
 */
public record NatSettings(Mode mode, String key, boolean keyGiven) {
    /** The shortest key accepted, in characters (16 random hex digits are 64 bits). */
    public static final int MIN_KEY = 16;

    /** When a UDP client is taken to be behind NAT. */
    public enum Mode {
        /** When its top Via's sent-by is not the address and port its datagrams come from. */
        AUTO,
        /** Always: every UDP client's REGISTER gets a Path, every UDP caller's dialog a flow. */
        ALWAYS,
        /** Never: Contacts are reached as written (another element handles NAT). */
        OFF
    }

    public NatSettings {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(key, "key");
        if (key.length() < MIN_KEY) {
            throw new ConfigException("siplb.nat.flow-key", "(" + key.length() + " characters)",
                    "at least " + MIN_KEY + " characters, or empty to generate one");
        }
    }

    /** Reads {@code siplb.nat.path} and {@code siplb.nat.flow-key}, generating a key when it is empty. */
    public static NatSettings from(ConfigValues config) {
        Mode mode = Mode.valueOf(config.oneOf("siplb.nat.path", "auto", "always", "off").toUpperCase(Locale.ROOT));
        String key = config.string("siplb.nat.flow-key", "").trim();
        return key.isEmpty() ? new NatSettings(mode, generatedKey(), false) : new NatSettings(mode, key, true);
    }

    /** These settings with the key a cluster's nodes share. */
    public NatSettings withKey(String shared) {
        return new NatSettings(mode, shared, keyGiven);
    }

    /** 256 random bits as 64 hex digits. */
    public static String generatedKey() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
