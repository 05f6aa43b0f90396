/**
 * JMH benchmarks, one class per concern, inputs built from the test fixtures of lb-core. Run
 * {@code java -jar lb-benchmarks/target/benchmarks.jar -h} for JMH's options.
 */
package io.siplb.benchmarks;
