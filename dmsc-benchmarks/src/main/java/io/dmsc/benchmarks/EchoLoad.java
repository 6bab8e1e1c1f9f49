package io.dmsc.benchmarks;

import com.google.protobuf.ByteString;
import io.dmsc.testkit.proto.v1.EchoGrpc;
import io.dmsc.testkit.proto.v1.EchoReply;
import io.dmsc.testkit.proto.v1.EchoRequest;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The three load shapes of {@link ForwardingLoadHarness} against one channel (direct to the pod, or to the
 * ingress SG with {@code dmsc-target} set): open-loop unary at a fixed rate, closed-loop unary with N calls
 * outstanding, and one bidi stream of large messages. The same code runs both paths.
 *
 * <p>Each method runs on the caller's thread and returns when its calls have ended. Call completions arrive
 * on the channel's callback threads (the channels use a direct executor, so Netty event loops).
 */
final class EchoLoad {
    /** Outstanding calls still running this long after the schedule ends are counted as failed. */
    private static final long DRAIN_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(15);
    private static final long CALL_DEADLINE_MS = 10_000;

    private final String name;
    private final EchoGrpc.EchoStub stub;
    private final EchoRequest unaryRequest;

    /**
     * @param name         "direct" or "mesh", for messages
     * @param channel      where calls go
     * @param requestBytes unary request payload size
     * @param replyBytes   unary reply payload size
     */
    EchoLoad(String name, Channel channel, int requestBytes, int replyBytes) {
        this.name = name;
        this.stub = EchoGrpc.newStub(channel);
        this.unaryRequest = EchoRequest.newBuilder().setPayload(randomBytes(requestBytes)).setReplyBytes(replyBytes)
                .build();
    }

    String name() {
        return name;
    }

    /**
     * One blocking unary call, for probes.
     *
     * @param timeoutMs deadline
     * @return the reply
     */
    EchoReply probe(long timeoutMs) {
        return EchoGrpc.newBlockingStub(stub.getChannel()).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                .unary(unaryRequest);
    }

    /**
     * What an open-loop segment did.
     *
     * @param errorsByCode failed calls by gRPC status code (a call that never ended is not in it)
     */
    record OpenLoopResult(long calls, long errors, long sendingNs, long elapsedNs, String firstError,
                          java.util.Map<io.grpc.Status.Code, Long> errorsByCode) {
    }

    /**
     * Sends {@code calls} unary calls on a fixed schedule, {@code 1/rate} apart, whether or not earlier calls
     * have answered (open loop). Each call's latency is taken from its <em>intended</em> send time, so a stall
     * in the harness or the mesh shows up as latency instead of silently lowering the rate (no coordinated
     * omission). Waits for every call to end.
     *
     * @param ratePerS   calls per second
     * @param calls      number of calls
     * @param latencies  where latencies go (null during warm-up)
     * @param sendLagNs  how late each call was actually sent, against its intended time (null during warm-up)
     * @return counts; {@code sendingNs} ends at the last send, {@code elapsedNs} when the last call ended
     */
    OpenLoopResult openLoop(int ratePerS, long calls, LatencySamples latencies, LatencySamples sendLagNs) {
        double intervalNs = 1e9 / ratePerS;
        AtomicLong outstanding = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        String[] firstError = new String[1];
        java.util.concurrent.ConcurrentHashMap<io.grpc.Status.Code, java.util.concurrent.atomic.LongAdder> byCode =
                new java.util.concurrent.ConcurrentHashMap<>();
        long startNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
        for (long i = 0; i < calls; i++) {
            long intendedNs = startNs + (long) (i * intervalNs);
            long now;
            while ((now = System.nanoTime()) < intendedNs) {
                LockSupport.parkNanos(intendedNs - now);
            }
            if (sendLagNs != null) {
                sendLagNs.add(now - intendedNs);
            }
            outstanding.incrementAndGet();
            stub.withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS).unary(unaryRequest,
                    new StreamObserver<>() {
                        @Override
                        public void onNext(EchoReply reply) {
                        }

                        @Override
                        public void onError(Throwable t) {
                            if (errors.getAndIncrement() == 0) {
                                firstError[0] = String.valueOf(t);
                            }
                            byCode.computeIfAbsent(io.grpc.Status.fromThrowable(t).getCode(),
                                    k -> new java.util.concurrent.atomic.LongAdder()).increment();
                            outstanding.decrementAndGet();
                        }

                        @Override
                        public void onCompleted() {
                            if (latencies != null) {
                                latencies.add(System.nanoTime() - intendedNs);
                            }
                            outstanding.decrementAndGet();
                        }
                    });
        }
        long sendingNs = System.nanoTime() - startNs;
        long lost = drain(outstanding);
        java.util.Map<io.grpc.Status.Code, Long> codes = new java.util.TreeMap<>();
        byCode.forEach((k, v) -> codes.put(k, v.sum()));
        return new OpenLoopResult(calls, errors.get() + lost, sendingNs, System.nanoTime() - startNs,
                firstError[0] == null && lost > 0 ? lost + " calls never ended" : firstError[0], codes);
    }

    /** What a closed-loop run did in its measured window. */
    record ClosedLoopResult(long calls, long errors, long windowNs, long[] cpuTicksBefore, long[] cpuTicksAfter) {
        double callsPerS() {
            return calls * 1e9 / windowNs;
        }
    }

    /**
     * Keeps {@code concurrency} unary calls outstanding: each completion starts the next call (closed loop).
     * Runs {@code warmupNs}, then counts completions for {@code measureNs}, reading {@code cpu} at both ends of
     * that window.
     *
     * @param concurrency calls outstanding
     * @param warmupNs    unmeasured start
     * @param measureNs   measured window
     * @param cpu         reads CPU ticks of the processes of interest (called on this thread)
     * @return completions in the window
     */
    ClosedLoopResult closedLoop(int concurrency, long warmupNs, long measureNs, CpuSampler cpu) {
        return closedLoop(concurrency, warmupNs, measureNs, cpu, null);
    }

    /**
     * As {@link #closedLoop(int, long, long, CpuSampler)}, and the latency of every call that succeeded
     * and ended inside the measured window goes to {@code latencies} (with one call in flight, the
     * unloaded round trip).
     *
     * @param latencies where latencies go, or null
     */
    ClosedLoopResult closedLoop(int concurrency, long warmupNs, long measureNs, CpuSampler cpu,
                                LatencySamples latencies) {
        AtomicLong completed = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong outstanding = new AtomicLong();
        // [start, end] of the measured window, written by this thread, read by callback threads.
        java.util.concurrent.atomic.AtomicLongArray window = new java.util.concurrent.atomic.AtomicLongArray(
                new long[] {Long.MAX_VALUE, Long.MAX_VALUE});
        CompletionListener listener = latencies == null ? null : (startNs, endNs) -> {
            if (endNs >= window.get(0) && endNs <= window.get(1)) {
                latencies.add(endNs - startNs);
            }
        };
        ClosedLoop loop = new ClosedLoop(completed, errors, outstanding, listener, new AtomicReference<>());
        for (int i = 0; i < concurrency; i++) {
            outstanding.incrementAndGet();
            loop.next();
        }
        sleepNs(warmupNs);
        long c0 = completed.get();
        long e0 = errors.get();
        long[] before = cpu.sample();
        long t0 = System.nanoTime();
        window.set(0, t0);
        sleepNs(measureNs);
        long c1 = completed.get();
        long e1 = errors.get();
        long t1 = System.nanoTime();
        window.set(1, t1);
        long[] after = cpu.sample();
        loop.running = false;
        long lost = drain(outstanding);
        return new ClosedLoopResult(c1 - c0, e1 - e0 + lost, t1 - t0, before, after);
    }

    /**
     * What {@link #timeline} saw.
     *
     * @param okPerBucket calls that succeeded, by the bucket in which they ended
     * @param errors      calls that failed (or never ended)
     * @param firstError  the first failure, or null
     */
    record TimelineResult(long[] okPerBucket, long bucketNs, long errors, String firstError) {
        /** @return mean successful calls per second over buckets [from, to) */
        double callsPerS(int fromBucket, int toBucket) {
            long sum = 0;
            for (int i = fromBucket; i < toBucket; i++) {
                sum += okPerBucket[i];
            }
            return sum * 1e9 / ((toBucket - fromBucket) * (double) bucketNs);
        }
    }

    /**
     * Closed loop from the first call on, counted per time bucket: the first call is sent at t = 0, and
     * each call that succeeds is counted in the bucket {@code (end - t0) / bucketNs} in which it ended.
     * For how fast a cold path reaches its steady rate.
     *
     * @param concurrency calls outstanding
     * @param buckets     number of buckets (the run lasts {@code buckets × bucketNs})
     * @param bucketNs    bucket length
     * @return counts per bucket
     */
    TimelineResult timeline(int concurrency, int buckets, long bucketNs) {
        java.util.concurrent.atomic.AtomicLongArray ok = new java.util.concurrent.atomic.AtomicLongArray(buckets);
        AtomicLong completed = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong outstanding = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        long t0 = System.nanoTime();
        ClosedLoop loop = new ClosedLoop(completed, errors, outstanding, (startNs, endNs) -> {
            long b = (endNs - t0) / bucketNs;
            if (b < buckets) {
                ok.incrementAndGet((int) b);
            }
        }, firstError);
        for (int i = 0; i < concurrency; i++) {
            outstanding.incrementAndGet();
            loop.next();
        }
        sleepNs(buckets * bucketNs - (System.nanoTime() - t0));
        loop.running = false;
        long lost = drain(outstanding);
        long[] counts = new long[buckets];
        for (int i = 0; i < buckets; i++) {
            counts[i] = ok.get(i);
        }
        return new TimelineResult(counts, bucketNs, errors.get() + lost, firstError.get());
    }

    /** Told of each call of a closed loop that succeeded, on the callback thread. */
    private interface CompletionListener {
        void completed(long startNs, long endNs);
    }

    /** Reads CPU ticks of the processes a run reports on. */
    interface CpuSampler {
        long[] sample();
    }

    private final class ClosedLoop {
        private final AtomicLong completed;
        private final AtomicLong errors;
        private final AtomicLong outstanding;
        /** Null, or told of each success. */
        private final CompletionListener listener;
        /** Written by the harness thread, read by callback threads. */
        private volatile boolean running = true;
        /** Where the first failure's description goes (set once, by a callback thread). */
        private final AtomicReference<String> firstError;

        ClosedLoop(AtomicLong completed, AtomicLong errors, AtomicLong outstanding, CompletionListener listener,
                   AtomicReference<String> firstError) {
            this.completed = completed;
            this.errors = errors;
            this.outstanding = outstanding;
            this.listener = listener;
            this.firstError = firstError;
        }

        void next() {
            long startNs = listener == null ? 0 : System.nanoTime();
            stub.withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS).unary(unaryRequest,
                    new StreamObserver<>() {
                        @Override
                        public void onNext(EchoReply reply) {
                        }

                        @Override
                        public void onError(Throwable t) {
                            long n = errors.incrementAndGet();
                            firstError.compareAndSet(null, String.valueOf(t));
                            // A failing path must not turn into a tight loop of failing calls.
                            if (n > 1000) {
                                running = false;
                            }
                            again();
                        }

                        @Override
                        public void onCompleted() {
                            completed.incrementAndGet();
                            if (listener != null) {
                                listener.completed(startNs, System.nanoTime());
                            }
                            again();
                        }
                    });
        }

        private void again() {
            if (running) {
                next();
            } else {
                outstanding.decrementAndGet();
            }
        }
    }

    /** What a streaming run did in its measured window. */
    record StreamResult(long bytesAcked, long windowNs, String error) {
        double megabytesPerS() {
            return bytesAcked / 1e6 / (windowNs / 1e9);
        }
    }

    /**
     * One bidi call: the client sends {@code messageBytes} messages as fast as gRPC flow control lets it
     * ({@code isReady}), the server answers each with a one-byte reply carrying the running total of bytes it
     * has received. Throughput is that acknowledged total over the measured window: bytes that reached the
     * server, not bytes queued somewhere in between.
     *
     * @param messageBytes size of each request payload
     * @param warmupNs     unmeasured start
     * @param measureNs    measured window
     * @return bytes acknowledged in the window
     */
    StreamResult stream(int messageBytes, long warmupNs, long measureNs) {
        EchoRequest message = EchoRequest.newBuilder().setPayload(randomBytes(messageBytes)).setReplyBytes(1).build();
        AtomicLong acked = new AtomicLong();
        CountDownLatch ended = new CountDownLatch(1);
        String[] error = new String[1];
        Object callLock = new Object();
        boolean[] sending = {true};
        AtomicReference<ClientCallStreamObserver<EchoRequest>> requests = new AtomicReference<>();
        // ClientCall methods must not run concurrently: the on-ready handler (event loop) and the half-close
        // (this thread) both take callLock.
        stub.bidi(new ClientResponseObserver<EchoRequest, EchoReply>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<EchoRequest> out) {
                requests.set(out);
                out.setOnReadyHandler(() -> {
                    synchronized (callLock) {
                        while (sending[0] && out.isReady()) {
                            out.onNext(message);
                        }
                    }
                });
            }

            @Override
            public void onNext(EchoReply reply) {
                acked.set(reply.getBytesReceived());
            }

            @Override
            public void onError(Throwable t) {
                error[0] = String.valueOf(t);
                ended.countDown();
            }

            @Override
            public void onCompleted() {
                ended.countDown();
            }
        });
        sleepNs(warmupNs);
        long b0 = acked.get();
        long t0 = System.nanoTime();
        sleepNs(measureNs);
        long b1 = acked.get();
        long t1 = System.nanoTime();
        synchronized (callLock) {
            sending[0] = false;
            if (error[0] == null) {
                requests.get().onCompleted();
            }
        }
        try {
            if (!ended.await(DRAIN_TIMEOUT_NS, TimeUnit.NANOSECONDS)) {
                requests.get().cancel("harness: stream did not end", null);
                error[0] = "stream did not end within " + TimeUnit.NANOSECONDS.toSeconds(DRAIN_TIMEOUT_NS) + " s";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new StreamResult(b1 - b0, t1 - t0, error[0]);
    }

    /** @return calls still outstanding after the drain timeout */
    private static long drain(AtomicLong outstanding) {
        long deadlineNs = System.nanoTime() + DRAIN_TIMEOUT_NS;
        while (outstanding.get() > 0 && System.nanoTime() < deadlineNs) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return outstanding.get();
    }

    static void sleepNs(long ns) {
        long endNs = System.nanoTime() + ns;
        long now;
        while ((now = System.nanoTime()) < endNs) {
            LockSupport.parkNanos(endNs - now);
        }
    }

    private static ByteString randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return ByteString.copyFrom(b);
    }
}
