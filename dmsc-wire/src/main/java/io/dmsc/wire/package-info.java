/** Service prefixes and node ids: the names DMSC routes on. */
package io.dmsc.wire;
