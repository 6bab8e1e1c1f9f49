/** Discrete-event simulation of many link-state nodes on a fake clock, for tests and benchmarks. */
package io.dmsc.routing.sim;
