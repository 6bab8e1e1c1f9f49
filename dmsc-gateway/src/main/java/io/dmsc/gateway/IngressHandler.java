package io.dmsc.gateway;

import io.dmsc.wire.InvalidNameException;
import io.dmsc.wire.ServicePrefix;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The catch-all of a pod-facing or upstream port: every method no service of the port
 * implements is an ingress call into the fabric. The target prefix comes from the one
 * {@code dmsc-target} metadata or, on an upstream port, from the port's binding; the routed name
 * is the target plus the method path (DESIGN.md section 4). Two {@code dmsc-target} headers are
 * refused, and so is one on an upstream port that names another prefix than the binding: the
 * binding is all that port exposes.
 *
 * <p>Thread: the data-plane loop (the servers run with a direct executor on it); the method
 * cache is confined to that loop too.
 */
final class IngressHandler extends HandlerRegistry implements ServerCallHandler<byte[], byte[]> {
    private final GatewayContext gw;
    private final ServicePrefix fixedTarget;
    private final Map<String, ServerMethodDefinition<byte[], byte[]>> methods = new HashMap<>();

    /**
     * @param gw          the gateway
     * @param fixedTarget the prefix of an upstream port, or null on the pod-facing port
     */
    IngressHandler(GatewayContext gw, ServicePrefix fixedTarget) {
        this.gw = gw;
        this.fixedTarget = fixedTarget;
    }

    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
        ServerMethodDefinition<byte[], byte[]> d = methods.get(methodName);
        if (d == null) {
            d = ServerMethodDefinition.create(Calls.method(methodName), this);
            if (methods.size() < 10_000) {
                methods.put(methodName, d);
            }
        }
        return d;
    }

    @Override
    public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
        // Metadata.get answers the last of repeated headers: two targets are refused, not guessed between.
        Iterable<String> all = headers.getAll(Calls.TARGET_KEY);
        String text = null;
        int count = 0;
        if (all != null) {
            for (String t : all) {
                text = t;
                count++;
            }
        }
        if (count > 1) {
            return reject(call, Status.INVALID_ARGUMENT.withDescription(count + " " + Calls.TARGET_HEADER
                    + " headers (expected: exactly one)"));
        }
        ServicePrefix target;
        String method = call.getMethodDescriptor().getFullMethodName();
        if (text == null) {
            if (fixedTarget == null) {
                return reject(call, Status.INVALID_ARGUMENT.withDescription("no target: set the metadata "
                        + Calls.TARGET_HEADER + " to the service prefix to call (e.g. " + Calls.TARGET_HEADER
                        + ": /B/4), or call through an upstream port bound to a prefix"));
            }
            target = fixedTarget;
        } else {
            try {
                target = ServicePrefix.parse(text);
            } catch (InvalidNameException e) {
                return reject(call, Status.INVALID_ARGUMENT.withDescription("invalid " + Calls.TARGET_HEADER + " '"
                        + text + "': " + e.getMessage()));
            }
            if (fixedTarget != null && !target.equals(fixedTarget)) {
                // The binding is what the operator exposed on this port; a header must not widen it.
                return reject(call, Status.INVALID_ARGUMENT.withDescription(Calls.TARGET_HEADER + " '" + text
                        + "' on the upstream port bound to " + fixedTarget + " (expected: no " + Calls.TARGET_HEADER
                        + " header, or " + fixedTarget + ")"));
            }
        }
        String name;
        try {
            name = ServicePrefix.parse(target + "/" + method).toString();
        } catch (InvalidNameException e) {
            return reject(call, Status.INVALID_ARGUMENT.withDescription("cannot route method '" + method + "' under "
                    + target + ": " + e.getMessage()));
        }
        Deadline deadline = Context.current().getDeadline();
        long deadlineNs = 0;
        if (deadline != null) {
            long left = deadline.timeRemaining(TimeUnit.NANOSECONDS);
            deadlineNs = System.nanoTime() + Math.max(1, left);
            if (deadlineNs == 0) {
                deadlineNs = 1;
            }
        }
        if (!gw.callStarted()) {
            return reject(call, Status.RESOURCE_EXHAUSTED.withDescription("gateway " + gw.nodeId() + " has "
                    + gw.config().maxCallsInFlight() + " calls in flight, its limit (maxCallsInFlight); retry later"));
        }
        long nowNs = System.nanoTime();
        String targetText = target.toString();
        AdmissionLimiter.Target ticket = gw.limiter().admit(targetText, nowNs);
        if (ticket == null) {
            gw.callEnded();
            return reject(call, Status.RESOURCE_EXHAUSTED.withDescription(gw.limiter().refusal(gw.nodeId(),
                    targetText)));
        }
        IngressCall c = new IngressCall(gw, call, headers, target, name, deadlineNs, ticket, nowNs);
        c.start();
        return c;
    }

    private ServerCall.Listener<byte[]> reject(ServerCall<byte[], byte[]> call, Status status) {
        gw.metrics().ingressEnded(status.getCode());
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
