package io.siplb.transport.cluster;

import io.lettuce.core.RedisURI;
import io.siplb.core.cluster.Cluster;
import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The {@code siplb.cluster.*} keys: whether and how this instance shares its state with others.
 *
 * @param redis the store, or {@code null} for a single node ({@code siplb.cluster.redis} empty)
 * @param nodeId this node's id: its own name in the store
 * @param sync how often the node publishes its counts and heartbeat and reads the others'
 * @param ttl how long a node's published share and heartbeat last without a refresh
 * @param probe every node probes every destination, or one node each
 * @param prefix the store's keys and channel start with it
 */
public record ClusterSettings(RedisURI redis, String nodeId, Duration sync, Duration ttl, Cluster.ProbeMode probe,
        String prefix) {
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,64}");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._:\\-{}]{1,64}");

    /** Whether another instance's state is shared with this one (a store is configured). */
    public boolean enabled() {
        return redis != null;
    }

    /**
     * Reads the keys.
     *
     * @param listenPort the first listen port, part of the default node id
     * @throws ConfigException naming the key, value and rule of the first bad one
     */
    public static ClusterSettings from(ConfigValues config, int listenPort) {
        String uri = config.string("siplb.cluster.redis");
        RedisURI redis = uri.isEmpty() ? null : redisUri(uri);
        String nodeId = config.string("siplb.cluster.node-id");
        if (nodeId.isEmpty()) {
            nodeId = hostName() + ":" + listenPort;
        } else if (!NODE_ID.matcher(nodeId).matches()) {
            throw new ConfigException("siplb.cluster.node-id", nodeId,
                    "must be 1 to 64 letters, digits, '.', '_', ':' or '-' (no spaces): it names the node in Redis");
        }
        Duration sync = config.duration("siplb.cluster.sync", Duration.ofMillis(1), Duration.ofMinutes(1));
        if (sync.toMillis() < 50) {
            throw new ConfigException("siplb.cluster.sync", ConfigValues.format(sync),
                    "must be at least 50ms (every node writes and reads the store once per interval)");
        }
        String ttlText = config.string("siplb.cluster.ttl");
        Duration ttl = ttlText.isEmpty() ? sync.multipliedBy(3)
                : config.duration("siplb.cluster.ttl", Duration.ofMillis(1), Duration.ofHours(1));
        if (ttl.compareTo(sync.multipliedBy(2)) < 0) {
            throw new ConfigException("siplb.cluster.ttl", ttlText, "must be at least twice siplb.cluster.sync ("
                    + ConfigValues.format(sync.multipliedBy(2)) + "), or a node's share would expire between two refreshes");
        }
        Cluster.ProbeMode probe = Cluster.ProbeMode.valueOf(
                config.oneOf("siplb.cluster.probe", "each", "shared").toUpperCase(Locale.ROOT));
        String prefix = config.string("siplb.cluster.prefix");
        if (!PREFIX.matcher(prefix).matches()) {
            throw new ConfigException("siplb.cluster.prefix", prefix,
                    "must be 1 to 64 letters, digits or '.', '_', ':', '-', '{', '}'");
        }
        return new ClusterSettings(redis, nodeId, sync, ttl, probe, prefix);
    }

    private static RedisURI redisUri(String text) {
        String rule = "must be redis://[user:password@]host[:port][/database], rediss://… (TLS) or "
                + "redis-sentinel://host[:port][,host2[:port2]]/database#master";
        if (!text.startsWith("redis://") && !text.startsWith("rediss://") && !text.startsWith("redis-sentinel://")
                && !text.startsWith("rediss-sentinel://")) {
            throw new ConfigException("siplb.cluster.redis", text, rule);
        }
        try {
            if (!text.contains("-sentinel://")) {
                URI parsed = new URI(text); // a host and a numeric port, or Lettuce guesses
                if (parsed.getHost() == null || parsed.getPort() == 0 || parsed.getPort() > 65535) {
                    throw new ConfigException("siplb.cluster.redis", text, rule);
                }
            }
            RedisURI uri = RedisURI.create(text);
            if ((uri.getHost() == null || uri.getHost().isEmpty()) && uri.getSentinels().isEmpty()) {
                throw new ConfigException("siplb.cluster.redis", text, rule);
            }
            return uri;
        } catch (ConfigException e) {
            throw e;
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new ConfigException("siplb.cluster.redis", text, rule + " (" + e.getMessage() + ")");
        }
    }

    /** The HOSTNAME variable (a Kubernetes pod's name), else the system's host name; "siplb" when neither fits. */
    private static String hostName() {
        String variable = System.getenv("HOSTNAME");
        if (variable != null && NODE_ID.matcher(variable + ":0").matches()) {
            return variable;
        }
        try {
            String name = InetAddress.getLocalHost().getHostName();
            return NODE_ID.matcher(name).matches() ? name : "siplb";
        } catch (UnknownHostException e) {
            return "siplb";
        }
    }

    /** The store as logs and {@code /cluster} show it: without a password. */
    public String storeText() {
        if (redis == null) {
            return "";
        }
        String scheme = redis.isSsl() ? "rediss" : "redis";
        if (!redis.getSentinels().isEmpty()) {
            StringBuilder text = new StringBuilder(scheme).append("-sentinel://");
            for (RedisURI sentinel : redis.getSentinels()) {
                text.append(text.charAt(text.length() - 1) == '/' ? "" : ",")
                        .append(sentinel.getHost()).append(':').append(sentinel.getPort());
            }
            return text.append('/').append(redis.getDatabase()).append('#').append(redis.getSentinelMasterId()).toString();
        }
        return scheme + "://" + redis.getHost() + ":" + redis.getPort() + "/" + redis.getDatabase();
    }
}
