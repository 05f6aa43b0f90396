/**
 * The admin HTTP API on {@code siplb.admin.listen} (health, destinations, routes, bans, connections
 * and their run-time changes), {@code /metrics} in Prometheus text (Micrometer), and the live
 * status page with its event stream.
 */
package io.siplb.transport.admin;
