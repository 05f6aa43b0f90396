/**
 * Destination probing (Kamailio's {@code ds_ping_*}): the OPTIONS prober with Kamailio's probing
 * modes, and its {@code siplb.probe.*} settings. Each probe goes out through a lane's proxy that
 * the balancer hands the prober ({@link Prober.ProbeChannel}).
 */
package io.siplb.transport.probe;
