/**
 * Benchmarks of the routing core: JMH micro-benchmarks of SPF ({@link io.dmsc.benchmarks.SpfBenchmark}) and FIB
 * longest-prefix match ({@link io.dmsc.benchmarks.FibLookupBenchmark}), and the discrete-event convergence
 * benchmark ({@link io.dmsc.benchmarks.ConvergenceSimulator}), and the end-to-end forwarding load harness
 * ({@link io.dmsc.benchmarks.ForwardingLoadHarness}: mesh against direct gRPC, with the mesh nodes as separate
 * processes), and signed prefix authorization (signal type 3): Ed25519 verification throughput
 * ({@link io.dmsc.benchmarks.AuthorizationVerifyBenchmark}) and route installation of an LSDB of authorized
 * prefixes ({@link io.dmsc.benchmarks.PrefixVerificationHarness}). How to run them and the recorded results are in
 * {@code docs/BENCHMARKS.md} and {@code docs/bench/forwarding.md}.
 */
package io.dmsc.benchmarks;
