/**
 * One event loop's entry and exit: a {@link io.siplb.transport.lane.Lane} per UDP channel and per
 * stream listener and loop guards, parses and hands each message to its transaction layer (a
 * response to the lane its branch names), sends what the proxy sends, measures its loop's lag
 * ({@link io.siplb.transport.lane.LoopLoad}) and logs messages at debug. {@link
 * io.siplb.transport.lane.Lanes} numbers them and routes datagrams and stream messages to them.
 */
package io.siplb.transport.lane;
