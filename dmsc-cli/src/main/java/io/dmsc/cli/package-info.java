/** The {@code dmsc} command line: run, up, show. */
package io.dmsc.cli;
