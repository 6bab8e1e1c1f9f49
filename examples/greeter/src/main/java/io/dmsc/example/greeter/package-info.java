/**
 * A sample service on the DMSC SDK: {@link io.dmsc.example.greeter.GreeterServer} serves Greeter
 * under a service prefix through its Service Gateway; {@link io.dmsc.example.greeter.GreeterClient}
 * calls it by prefix, once through {@code DmscMesh.channel} and once through a {@code dmsc:///} target.
 */
package io.dmsc.example.greeter;
