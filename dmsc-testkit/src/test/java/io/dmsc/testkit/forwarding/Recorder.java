package io.dmsc.testkit.forwarding;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Collects the messages of a call and its final status. Thread-safe. */
final class Recorder<T> implements StreamObserver<T> {
    final List<T> messages = new CopyOnWriteArrayList<>();
    final CompletableFuture<Status> status = new CompletableFuture<>();
    final CompletableFuture<T> first = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
        messages.add(value);
        first.complete(value);
    }

    @Override
    public void onError(Throwable t) {
        status.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        status.complete(Status.OK);
    }

    /** @return the final status, waiting up to 30 s */
    Status await() throws Exception {
        return status.get(30, TimeUnit.SECONDS);
    }
}
