/**
 * Benchmarks of the routing core: JMH micro-benchmarks of SPF ({@link io.dmsc.benchmarks.SpfBenchmark}) and FIB
 * longest-prefix match ({@link io.dmsc.benchmarks.FibLookupBenchmark}), and the discrete-event convergence
 * benchmark ({@link io.dmsc.benchmarks.ConvergenceSimulator}). How to run them and the recorded results are in
 * {@code docs/BENCHMARKS.md}.
 */
package io.dmsc.benchmarks;
