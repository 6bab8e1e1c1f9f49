package io.dmsc.node.link;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared medium of {@link InMemoryLinkTransport}s: a registry of listening addresses and
 * one delivery thread that hands every frame and event to its receiver in order. Used to run
 * hundreds of real node runtimes in one JVM without sockets. Thread-safe.
 */
public final class InMemoryLinkNetwork implements AutoCloseable {
    /** Most frames in flight in the whole network before links start being closed. */
    static final int MAX_IN_FLIGHT = 1_000_000;

    private final Map<String, InMemoryLinkTransport.Listener> listeners = new ConcurrentHashMap<>();
    private final ExecutorService delivery = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dmsc-inmemory-links");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger inFlight = new AtomicInteger();

    InMemoryLinkTransport.Listener listener(String address) {
        return listeners.get(address);
    }

    boolean register(String address, InMemoryLinkTransport.Listener listener) {
        return listeners.putIfAbsent(address, listener) == null;
    }

    void unregister(String address, InMemoryLinkTransport.Listener listener) {
        listeners.remove(address, listener);
    }

    /**
     * Runs a delivery on the network thread.
     *
     * @param task the delivery
     * @return false if the network is saturated or closed
     */
    boolean deliver(Runnable task) {
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            inFlight.decrementAndGet();
            return false;
        }
        try {
            delivery.execute(() -> {
                inFlight.decrementAndGet();
                task.run();
            });
            return true;
        } catch (RejectedExecutionException e) {
            inFlight.decrementAndGet();
            return false;
        }
    }

    @Override
    public void close() {
        delivery.shutdown();
        try {
            delivery.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
