/**
 * SIP peers on loopback: the backends and the call generator of {@code --demo}, which the
 * integration tests use as real UDP peers too.
 */
package io.siplb.transport.demo;
