/**
 * Admin HTTP: a small, bounded HTTP/1.1 server for admin ports ({@link io.dmsc.node.admin.AdminHttpServer},
 * also used by the SPA) and a node's endpoints on it: status JSON (a summary and paged tables),
 * Prometheus metrics, health, and the token-guarded changes of state.
 */
package io.dmsc.node.admin;
