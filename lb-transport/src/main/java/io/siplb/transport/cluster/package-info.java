/**
 * The cluster's shared state in Redis (Lettuce): {@link io.siplb.transport.cluster.RedisCluster}
 * synchronises in the background, {@link io.siplb.transport.cluster.ClusterInbox} applies what the
 * other nodes decided, {@link io.siplb.transport.cluster.ClusterSettings} reads
 * {@code siplb.cluster.*}. Without {@code siplb.cluster.redis} none of it runs.
 */
package io.siplb.transport.cluster;
