/**
 * The transaction layer (RFC 3261 §17) of each event loop: {@link
 * io.siplb.core.transaction.TransactionLayer} is where a parsed message enters the proxy core;
 * {@link io.siplb.core.transaction.ServerTransactions} absorbs retransmissions, answers CANCEL,
 * takes the ACK of our failures, runs Timer G and sends every response upstream; {@link
 * io.siplb.core.transaction.ClientTransactions} sends requests toward destinations, retransmits
 * them on Timers A and E, matches their responses and relays late 2xx statelessly. The tables
 * ({@link io.siplb.core.transaction.TransactionTables}) are shared by the loops; a transaction is
 * written only by its own. Above it sits the transaction user ({@code io.siplb.core.proxy}), which
 * decides nothing here: it gets new requests and the ACKs of 2xx.
 */
package io.siplb.core.transaction;
