/** Logging that stays readable under hostile input: one line per cause per interval. */
package io.dmsc.node.logging;
