/** Node and topology settings: YAML loading and validation with errors that name file and key. */
package io.dmsc.node.config;
