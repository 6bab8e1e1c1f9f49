/** Admin HTTP of a node: status JSON, Prometheus metrics, health. */
package io.dmsc.node.admin;
