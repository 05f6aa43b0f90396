/**
 * Kamailio {@code dispatcher} semantics: destination sets read from {@code dispatcher.list}, their
 * states and thresholds, the fourteen selection algorithms (one final class each, registered in
 * {@link io.siplb.core.dispatch.Algorithm}), the failover plan of one request, and the
 * {@code siplb.dispatch.*} and {@code siplb.failover.*} settings. No I/O beyond reading the list
 * file.
 */
package io.siplb.core.dispatch;
