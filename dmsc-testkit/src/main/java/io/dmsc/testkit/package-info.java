/** Whole-mesh test support: reference routes and convergence checks. */
package io.dmsc.testkit;
