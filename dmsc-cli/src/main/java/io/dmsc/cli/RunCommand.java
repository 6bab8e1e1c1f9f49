package io.dmsc.cli;

import io.dmsc.gateway.Gateway;
import io.dmsc.node.DmscNode;
import io.netty.channel.EventLoop;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.link.EventLoops;
import io.dmsc.node.link.TcpLinkTransport;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dmsc run}: one node as its own process. */
@Command(name = "run", description = {"Run one node (SG, SR, SCSC or SPA) in this process.",
    "Either from a node or SPA file (NODE_FILE), or one node of a topology file (--topology FILE "
        + "--node ID)."},
        footerHeading = "%nExamples:%n",
        footer = {"  dmsc run examples/sg-1.yaml",
            "  dmsc run --topology examples/secure/figure2.yaml --node sr-1"})
final class RunCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "NODE_FILE", description = "a node or SPA YAML file")
    Path nodeFile;

    @Option(names = "--topology", paramLabel = "FILE", description = "a topology YAML file (with --node)")
    Path topology;

    @Option(names = "--node", paramLabel = "ID", description = "the id of the node or SPA to run (with --topology)")
    String nodeId;

    @picocli.CommandLine.Mixin
    SharedOptions.ExitAfter exitAfter = new SharedOptions.ExitAfter();

    @Override
    public Integer call() throws Exception {
        NodeConfig config;
        if (nodeFile != null && topology == null && nodeId == null) {
            if ("spa".equals(ConfigLoader.roleOf(nodeFile))) {
                return runSpa(ConfigLoader.loadSpa(nodeFile));
            }
            config = ConfigLoader.loadNode(nodeFile);
        } else if (nodeFile == null && topology != null && nodeId != null) {
            io.dmsc.node.config.TopologyConfig t = ConfigLoader.loadTopologyForOneNode(topology);
            if (t.spa(nodeId) != null) {
                return runSpa(t.spa(nodeId));
            }
            config = t.node(nodeId);
        } else {
            throw new Dmsc.UserException("run: give either NODE_FILE, or --topology FILE with --node ID");
        }
        EventLoopGroup group = EventLoops.newGroup(1, "dmsc-links");
        EventLoop loop = group.next();
        io.dmsc.node.security.LinkTls tls;
        try {
            tls = config.security().linkTls(config.id());
        } catch (IllegalStateException e) {
            group.shutdownGracefully();
            throw new Dmsc.UserException("run: " + e.getMessage());
        }
        DmscNode node = new DmscNode(config, new TcpLinkTransport(loop, config.maxFrameLength(), tls), loop,
                Gateway.factory());
        try {
            node.start();
        } catch (RuntimeException e) {
            group.shutdownGracefully();
            throw e;
        }
        Gateway gateway = node.extension(Gateway.class);
        System.out.println(config.id() + " (" + config.role().code() + ") running: fabric " + node.listenAddress()
                + (node.adminAddress() == null ? "" : ", admin http://" + node.adminAddress())
                + (node.schedulerAddress() == null ? "" : ", Scheduler (gRPC) " + node.schedulerAddress())
                + (gateway == null ? "" : ", pods " + gateway.podAddress()
                + (gateway.upstreamAddresses().isEmpty() ? "" : ", upstreams " + gateway.upstreamAddresses())));
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            group.shutdownGracefully();
            stop.countDown();
        }));
        UpCommand.await(stop, exitAfter.ms);
        node.close();
        group.shutdownGracefully();
        return 0;
    }

    private int runSpa(io.dmsc.node.config.SpaConfig config) throws InterruptedException {
        io.dmsc.spa.SpaServer spa;
        try {
            spa = io.dmsc.spa.SpaServer.start(config);
        } catch (io.dmsc.spa.PolicyException | IllegalArgumentException | IllegalStateException e) {
            throw new Dmsc.UserException("run: " + config.id() + ": " + e.getMessage());
        }
        System.out.println(config.id() + " (spa) running: PrefixAuthority " + spa.address()
                + (spa.adminAddress() == null ? "" : ", admin http://" + spa.adminAddress()));
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            spa.close();
            stop.countDown();
        }));
        UpCommand.await(stop, exitAfter.ms);
        spa.close();
        return 0;
    }
}
