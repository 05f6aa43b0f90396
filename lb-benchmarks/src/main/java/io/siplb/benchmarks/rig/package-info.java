/**
 * A SIP call generator that costs far less per call than the proxy it loads, to find the
 * highest rate a system under test carries: {@link io.siplb.benchmarks.rig.CallRig} runs a UAC
 * with open-loop arrivals and stateless UASes on one event loop, and reports each step's
 * completed and failed calls, its response-time percentiles and its own CPU.
 */
package io.siplb.benchmarks.rig;
