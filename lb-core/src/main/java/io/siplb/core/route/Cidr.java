package io.siplb.core.route;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An address block, {@code 10.0.0.0/8} or {@code 2001:db8::/32} (a bare address is a block of
 * one). Parsing never resolves a name: anything but an IP literal is refused.
 */
public final class Cidr {
    private final byte[] network;
    private final int prefix;
    private final String text;

    private Cidr(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /**
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    public static Cidr parse(String text) {
        Objects.requireNonNull(text, "text");
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + trimmed + "' is not an IP address or address/prefix");
        }
        int prefix = bytes.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(trimmed.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("'" + trimmed + "' needs a prefix length 0.." + bytes.length * 8);
            }
        }
        return new Cidr(bytes, prefix, trimmed);
    }

    /**
     * The blocks of a comma-separated list (blanks skipped).
     *
     * @throws IllegalArgumentException saying which item is wrong
     */
    public static List<Cidr> parseAll(String text) {
        List<Cidr> blocks = new ArrayList<>();
        for (String item : text.split(",")) {
            if (!item.isBlank()) {
                blocks.add(parse(item));
            }
        }
        return List.copyOf(blocks);
    }

    /** Whether {@code address} lies in one of {@code blocks}. */
    public static boolean anyContains(List<Cidr> blocks, InetAddress address) {
        for (int i = 0; i < blocks.size(); i++) {
            if (blocks.get(i).contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code address} lies in this block (an IPv4 address never in an IPv6 block). */
    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    /** Whether the address of 4 or 16 octets {@code bytes} lies in this block. */
    public boolean contains(byte[] bytes) {
        if (bytes.length != network.length) {
            return false;
        }
        int whole = prefix / 8;
        for (int i = 0; i < whole; i++) {
            if (bytes[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (bytes[whole] & mask) == (network[whole] & mask);
    }

    @Override
    public String toString() {
        return text;
    }
}
