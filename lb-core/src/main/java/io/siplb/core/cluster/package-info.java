/**
 * What several siplb instances share so that they act as one: the {@link io.siplb.core.cluster.Cluster}
 * the rest of siplb talks to, with its single-node form ({@link io.siplb.core.cluster.SingleNode},
 * the default), the record each node publishes ({@link io.siplb.core.cluster.NodeRecord}: heartbeat,
 * call counts per destination, the states of what it probes), the events it broadcasts
 * ({@link io.siplb.core.cluster.ClusterEvent}: bans, destination states, reloads) and the view a
 * node builds from the others' records ({@link io.siplb.core.cluster.ClusterView}: summed loads,
 * live members, which node probes what). The store behind it (Redis) lives in the transport
 * module; nothing here does I/O.
 */
package io.siplb.core.cluster;
