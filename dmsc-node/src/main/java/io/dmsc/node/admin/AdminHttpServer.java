package io.dmsc.node.admin;

import io.dmsc.node.link.EventLoops;
import io.dmsc.node.link.HostPort;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server for admin ports (a node's, the SPA's), on Netty's codec and one event loop
 * of its own. Every port is reachable by any local process, so each limit of {@link AdminHttpSettings}
 * is enforced with an answer saying which limit was hit: a request that takes longer than
 * {@code requestTimeoutMs} to arrive gets 408, a long URL 414, large headers 431, a body 413, a
 * connection beyond {@code maxConnections} 503; a method an endpoint does not take gets 405 with
 * {@code Allow}. Handlers run on the event loop and must not block: one that waits on another thread
 * returns a future, and the answer is written when it completes (within {@code pendingAnswerMs}, else
 * 503).
 *
 * <p>Routes are added before {@link #start}; after it, all state is owned by the event loop
 * (the connection count and the counters are also read by the metrics scrape).
 */
public final class AdminHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHttpServer.class);
    /** The longest part of a requested path echoed in a 404. */
    static final int MAX_ECHOED_PATH = 100;
    /** How long a connection ended after an error answer is still read (and discarded) before closing. */
    static final long LINGER_MS = 1_000;

    /** Answers one request; runs on the event loop and must not block. */
    @FunctionalInterface
    public interface Handler {
        /**
         * @param request the complete request
         * @return the answer, possibly completed later on another thread
         * @throws Exception answered 500 with its message
         */
        CompletableFuture<AdminResponse> handle(AdminRequest request) throws Exception;
    }

    private record Route(String path, boolean under, List<String> methods, Handler handler) {
    }

    private final String name;
    private final AdminHttpSettings settings;
    private final MeterRegistry registry;
    private final String expectedPaths;
    private final List<Route> routes = new ArrayList<>();
    private final EventLoopGroup group;
    private final AtomicInteger open = new AtomicInteger();
    private final Counter refused;
    private final Counter timeouts;
    private final Map<Integer, Counter> requests = new ConcurrentHashMap<>();
    /** What hostile or broken clients cause is logged once per cause and interval. */
    private final io.dmsc.node.logging.RateLimitedLog limitedLog = new io.dmsc.node.logging.RateLimitedLog(LOG);
    private Channel server;

    /**
     * Makes a server; add routes, then {@link #start}.
     *
     * @param name          whose port it is (thread names, log lines), e.g. the node id
     * @param settings      its limits
     * @param registry      where its metrics go
     * @param expectedPaths what a 404 says is served, e.g. {@code /status, /metrics or /healthz}
     */
    public AdminHttpServer(String name, AdminHttpSettings settings, MeterRegistry registry, String expectedPaths) {
        this.name = name;
        this.settings = settings;
        this.registry = registry;
        this.expectedPaths = expectedPaths;
        this.refused = Counter.builder("dmsc_admin_connections_refused")
                .description("admin connections closed at once because maxConnections were open")
                .register(registry);
        this.timeouts = Counter.builder("dmsc_admin_timeouts")
                .description("admin requests whose head and body did not arrive within requestTimeoutMs (408)")
                .register(registry);
        Gauge.builder("dmsc_admin_connections", open, AtomicInteger::get)
                .description("admin connections open").register(registry);
        this.group = EventLoops.newGroup(1, "dmsc-admin-" + name);
    }

    /** Serves {@code GET} and {@code HEAD} of exactly {@code path}. */
    public AdminHttpServer get(String path, Handler handler) {
        routes.add(new Route(path, false, List.of("GET", "HEAD"), handler));
        return this;
    }

    /** Serves {@code GET} and {@code HEAD} of every path below {@code prefix} (which ends with '/'). */
    public AdminHttpServer getUnder(String prefix, Handler handler) {
        routes.add(new Route(prefix, true, List.of("GET", "HEAD"), handler));
        return this;
    }

    /** Serves {@code POST} of exactly {@code path} (an endpoint that changes state). */
    public AdminHttpServer post(String path, Handler handler) {
        routes.add(new Route(path, false, List.of("POST"), handler));
        return this;
    }

    /** @return the event loop, for work a handler moves off another owner's thread */
    public Executor executor() {
        return group;
    }

    /**
     * Binds and starts serving.
     *
     * @param address {@code host:port}, port 0 for any
     * @return this
     * @throws IllegalStateException if the address cannot be bound
     */
    public AdminHttpServer start(String address) {
        HostPort hp = HostPort.parse(address);
        ServerBootstrap b = new ServerBootstrap().group(group, group).channel(EventLoops.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        int now = open.incrementAndGet();
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        if (now > settings.maxConnections()) {
                            ch.pipeline().addLast(new RefuseHandler(now - 1));
                            return;
                        }
                        DeadlineHandler deadlines = new DeadlineHandler();
                        ch.pipeline().addLast(deadlines,
                                new HttpServerCodec(settings.maxInitialLineBytes(), settings.maxHeaderBytes(), 8192),
                                new Aggregator(settings.maxBodyBytes()),
                                new RequestHandler(deadlines));
                    }
                });
        try {
            server = b.bind(new InetSocketAddress(hp.host(), hp.port())).sync().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException(name + ": cannot serve admin HTTP on " + address + ": " + e.getMessage()
                    + " (expected: a free local address)", e);
        }
        return this;
    }

    /** @return the bound address */
    public String address() {
        InetSocketAddress a = (InetSocketAddress) server.localAddress();
        return new HostPort(a.getHostString(), a.getPort()).toString();
    }

    /** @return its limits */
    public AdminHttpSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    private void count(int status) {
        requests.computeIfAbsent(status, s -> Counter.builder("dmsc_admin_requests")
                .description("admin requests answered, by status code").tag("code", Integer.toString(s))
                .register(registry)).increment();
    }

    /**
     * Writes an answer and counts it; the connection closes after it unless {@code keepAlive}.
     * On the event loop.
     */
    private void write(ChannelHandlerContext ctx, AdminResponse r, boolean head, boolean keepAlive,
                       Runnable afterWrite) {
        count(r.status());
        byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        resp.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        r.headers().forEach((k, v) -> resp.headers().set(k, v));
        if (!keepAlive) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        var f = ctx.writeAndFlush(resp);
        if (keepAlive) {
            f.addListener(done -> afterWrite.run());
        } else {
            f.addListener(done -> linger(ctx.channel()));
        }
    }

    /**
     * Ends a connection after its last answer: shuts the output (the client reads the answer to its
     * end), then reads and discards what the client still sends for up to {@link #LINGER_MS} before
     * closing. Closing at once with unread bytes would reset the connection, and the client could lose
     * the answer saying what was wrong (a 414 to a client still sending its long URL).
     */
    private static void linger(Channel ch) {
        DeadlineHandler d = ch.pipeline().get(DeadlineHandler.class);
        if (d != null) {
            d.discard();
        }
        if (!(ch instanceof DuplexChannel duplex) || !ch.isActive()) {
            ch.close();
            return;
        }
        ch.config().setAutoRead(true);
        duplex.shutdownOutput().addListener(f -> ch.eventLoop().schedule(() -> {
            ch.close();
        }, LINGER_MS, TimeUnit.MILLISECONDS));
    }

    /** @return at most {@link #MAX_ECHOED_PATH} characters of {@code path}, controls replaced by '?' */
    static String echo(String path) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < path.length() && b.length() < MAX_ECHOED_PATH; i++) {
            char c = path.charAt(i);
            b.append(c < ' ' || c == 0x7f || Character.isISOControl(c) || Character.isSurrogate(c) ? '?' : c);
        }
        if (path.length() > MAX_ECHOED_PATH) {
            b.append("... (").append(path.length()).append(" characters)");
        }
        return b.toString();
    }

    /** Answers a connection beyond the cap with 503 and closes it, reading nothing. */
    private final class RefuseHandler extends ChannelInboundHandlerAdapter {
        private final int openBefore;

        RefuseHandler(int openBefore) {
            this.openBefore = openBefore;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            refused.increment();
            limitedLog.warn("connections", "{}: admin connection from {} refused: {} open (limit maxConnections {}); "
                    + "every refusal is counted in dmsc_admin_connections_refused_total",
                    name, ctx.channel().remoteAddress(), openBefore, settings.maxConnections());
            String body = "too many admin connections: " + openBefore + " open (expected: at most "
                    + settings.maxConnections() + "; close idle ones and retry)\n";
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    + "Content-Length: " + b.length + "\r\nConnection: close\r\nRetry-After: 1\r\n\r\n";
            ByteBuf out = Unpooled.buffer(head.length() + b.length);
            out.writeBytes(head.getBytes(StandardCharsets.US_ASCII)).writeBytes(b);
            ctx.writeAndFlush(out).addListener(f -> linger(ctx.channel()));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * Times each request from its first byte (or from the connection's opening) until it is complete,
     * and a kept-alive connection between requests. Sits before the codec to see raw bytes: a client
     * that sends one byte a second never completes a head. On the event loop.
     */
    private final class DeadlineHandler extends ChannelInboundHandlerAdapter {
        private ChannelHandlerContext ctx;
        private ScheduledFuture<?> timer;
        /** True from the first byte of a request until it is complete. */
        private boolean reading;
        /** True while an answer is owed: reads are off, no timer runs (the answer has its own). */
        private boolean answering;
        /** True once the last answer is written: what the client still sends is discarded. */
        private boolean discarding;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            startReading();
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (discarding) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!reading && !answering) {
                startReading();
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancel();
            ctx.fireChannelInactive();
        }

        private void startReading() {
            cancel();
            reading = true;
            timer = ctx.executor().schedule(this::requestTimedOut, settings.requestTimeoutMs(), TimeUnit.MILLISECONDS);
        }

        private void requestTimedOut() {
            if (!reading || discarding || !ctx.channel().isActive()) {
                return;
            }
            reading = false;
            timeouts.increment();
            limitedLog.warn("timeout", "{}: admin client {} did not send a whole request within {} ms; closed (each one "
                    + "is counted in dmsc_admin_timeouts_total)", name,
                    ctx.channel().remoteAddress(), settings.requestTimeoutMs());
            ctx.channel().config().setAutoRead(false);
            write(ctx.pipeline().context(RequestHandler.class), AdminResponse.text(408, "the request did not arrive "
                    + "within " + settings.requestTimeoutMs() + " ms (expected: the whole request head and body "
                    + "within requestTimeoutMs)\n"), false, false, null);
        }

        /** The connection's last answer is written. */
        void discard() {
            cancel();
            reading = false;
            discarding = true;
        }

        /** The request is complete: reads stop until it is answered. */
        void requestComplete() {
            cancel();
            reading = false;
            answering = true;
            ctx.channel().config().setAutoRead(false);
        }

        /** The answer is written and the connection stays open: it may idle until the next request. */
        void answered() {
            answering = false;
            if (discarding || !ctx.channel().isActive()) {
                return;
            }
            ctx.channel().config().setAutoRead(true);
            cancel();
            timer = ctx.executor().schedule(() -> {
                if (!reading && !answering) {
                    ctx.close();
                }
            }, settings.idleTimeoutMs(), TimeUnit.MILLISECONDS);
        }

        private void cancel() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }

    /** Answers a body beyond {@code maxBodyBytes} with 413 and closes, instead of Netty's bare answer. */
    private final class Aggregator extends HttpObjectAggregator {
        Aggregator(int maxBodyBytes) {
            super(maxBodyBytes);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            // The caller releases the oversized message.
            ctx.channel().config().setAutoRead(false);
            write(ctx, AdminResponse.text(413, "the request body is larger than " + settings.maxBodyBytes()
                    + " bytes (expected: no body; these endpoints take their arguments in the query)\n"),
                    false, false, null);
        }
    }

    /** Routes complete requests to handlers and writes their answers. On the event loop. */
    private final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final DeadlineHandler deadlines;
        /** True while an answer is owed; a request pipelined behind it closes the connection after it. */
        private boolean busy;
        private boolean closeAfterAnswer;

        RequestHandler(DeadlineHandler deadlines) {
            this.deadlines = deadlines;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (busy) {
                closeAfterAnswer = true;
                return;
            }
            deadlines.requestComplete();
            Throwable failure = req.decoderResult().cause();
            if (failure != null) {
                badRequest(ctx, failure);
                return;
            }
            busy = true;
            boolean head = "HEAD".equals(req.method().name());
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            AdminResponse immediate = null;
            CompletableFuture<AdminResponse> answer = null;
            String uri = req.uri();
            int q = uri.indexOf('?');
            String path;
            try {
                path = new QueryStringDecoder(uri).path();
            } catch (IllegalArgumentException e) {
                path = null;
                immediate = AdminResponse.text(400, "the path is not a valid URL path: " + e.getMessage()
                        + " (expected: percent-escapes like %2F)\n");
            }
            if (immediate == null) {
                Route route = find(path);
                String method = req.method().name();
                if (route == null) {
                    immediate = AdminResponse.text(404, "not found: " + echo(path) + " (expected: " + expectedPaths
                            + ")\n");
                } else if (!route.methods().contains(method)) {
                    immediate = AdminResponse.text(405, echo(method) + " " + echo(path) + (route.methods()
                            .contains("POST") ? " (expected: POST; it changes the node's state)\n"
                            : " (expected: GET or HEAD; it only reads)\n"))
                            .withHeader("Allow", String.join(", ", route.methods()));
                } else {
                    AdminRequest request = new AdminRequest(method, path, q < 0 ? null : uri.substring(q + 1),
                            req.headers(), remote(ctx));
                    try {
                        answer = route.handler().handle(request);
                    } catch (Exception e) {
                        immediate = failed(path, e);
                    }
                }
            }
            if (immediate != null) {
                finish(ctx, immediate, head, keepAlive);
                return;
            }
            String p = path;
            answer.copy().orTimeout(settings.pendingAnswerMs(), TimeUnit.MILLISECONDS).whenComplete((r, t) ->
                    ctx.executor().execute(() -> finish(ctx, t == null ? r : failed(p, t), head, keepAlive)));
        }

        private AdminResponse failed(String path, Throwable t) {
            Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (cause instanceof TimeoutException) {
                return AdminResponse.text(503, "the node did not answer within " + settings.pendingAnswerMs()
                        + " ms\n");
            }
            LOG.warn("{}: admin {} failed", name, echo(path), cause);
            return AdminResponse.text(500, echo(path) + " failed: " + cause + "\n");
        }

        private void finish(ChannelHandlerContext ctx, AdminResponse r, boolean head, boolean keepAlive) {
            busy = false;
            if (!ctx.channel().isActive()) {
                return;
            }
            write(ctx, r, head, keepAlive && !closeAfterAnswer, deadlines::answered);
        }

        private void badRequest(ChannelHandlerContext ctx, Throwable failure) {
            AdminResponse r;
            if (failure instanceof TooLongHttpLineException) {
                r = AdminResponse.text(414, "the request line is longer than " + settings.maxInitialLineBytes()
                        + " bytes (expected: a short admin URL)\n");
            } else if (failure instanceof TooLongHttpHeaderException) {
                r = AdminResponse.text(431, "the request headers are larger than " + settings.maxHeaderBytes()
                        + " bytes (expected: a few short headers)\n");
            } else if (failure instanceof TooLongFrameException) {
                r = AdminResponse.text(400, "a part of the request is too long: " + failure.getMessage() + "\n");
            } else {
                r = AdminResponse.text(400, "not a valid HTTP/1.1 request: " + echo(String.valueOf(
                        failure.getMessage())) + " (expected: e.g. GET /status HTTP/1.1)\n");
            }
            limitedLog.warn("bad-" + r.status(), "{}: admin request from {} refused with {}: {} (each one is counted "
                    + "in dmsc_admin_requests_total)", name, ctx.channel().remoteAddress(), r.status(),
                    r.body().strip());
            write(ctx, r, false, false, null);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            limitedLog.warn("exception", "{}: admin connection {} failed: {}", name, ctx.channel().remoteAddress(),
                    String.valueOf(cause));
            ctx.close();
        }
    }

    private static String remote(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : String.valueOf(ctx.channel().remoteAddress());
    }

    private Route find(String path) {
        for (Route r : routes) {
            if (r.under() ? path.startsWith(r.path()) && path.length() > r.path().length() : path.equals(r.path())) {
                return r;
            }
        }
        return null;
    }
}
