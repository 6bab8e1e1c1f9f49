/**
 * Pure link-state logic of signal type 2: adjacency FSM, LSDB, flooding, SPF with RFC 8405
 * back-off, RIB and FIB. No sockets, no threads, no clock reads: time is passed in.
 */
package io.dmsc.routing;
