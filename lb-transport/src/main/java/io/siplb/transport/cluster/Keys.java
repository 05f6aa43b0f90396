package io.siplb.transport.cluster;

import java.net.InetAddress;

/**
 * Where the cluster's state lives in Redis, every name under {@code siplb.cluster.prefix}:
 *
 * <pre>
 * PREFIX node:ID        a node's record (heartbeat, loads, probed states), expires after the TTL
 * PREFIX nodes          the set of node ids ever heard (dead ones removed once their record expired)
 * PREFIX ban:ADDRESS    "REASON UNTIL_EPOCH_MS", expires with the ban
 * PREFIX operator       hash "SET URI" to state flags an operator set (active removes the field)
 * PREFIX drains         hash "SET URI" to OPERATOR or PROBE, the drains in force (undrained removes the field)
 * PREFIX secret:NAME    a value the nodes agree on, the first proposed kept (the NAT flow key)
 * PREFIX events         the channel events are published on
 * </pre>
 */
final class Keys {
    private final String prefix;

    Keys(String prefix) {
        this.prefix = prefix;
    }

    String node(String id) {
        return prefix + "node:" + id;
    }

    /** The node id of a {@link #node} key. */
    String nodeId(String key) {
        return key.substring(prefix.length() + "node:".length());
    }

    String nodes() {
        return prefix + "nodes";
    }

    String ban(InetAddress source) {
        return prefix + "ban:" + source.getHostAddress();
    }

    /** The pattern every ban key matches. */
    String bans() {
        return prefix + "ban:*";
    }

    /** The address text of a {@link #ban} key. */
    String bannedAddress(String key) {
        return key.substring(prefix.length() + "ban:".length());
    }

    String operator() {
        return prefix + "operator";
    }

    /** The drains in force: a hash from "SET URI" to OPERATOR or PROBE. */
    String drains() {
        return prefix + "drains";
    }

    String events() {
        return prefix + "events";
    }

    /** A secret the nodes agree on (the NAT flow key when none is configured). */
    String secret(String name) {
        return prefix + "secret:" + name;
    }
}
