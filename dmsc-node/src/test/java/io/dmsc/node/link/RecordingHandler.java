package io.dmsc.node.link;

import io.dmsc.wire.link.LinkMessage;
import io.dmsc.wire.link.MalformedFrameException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Records transport events in arrival order. */
final class RecordingHandler implements LinkHandler {
    record Event(String kind, LinkChannel channel, Object detail) {
    }

    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

    @Override
    public void onOpen(LinkChannel channel) {
        events.add(new Event("open", channel, null));
    }

    @Override
    public void onMessage(LinkChannel channel, LinkMessage message) {
        events.add(new Event("message", channel, message));
    }

    @Override
    public void onData(LinkChannel channel, io.netty.buffer.ByteBuf frame) {
        try {
            events.add(new Event("data", channel, io.netty.buffer.ByteBufUtil.getBytes(frame)));
        } finally {
            frame.release();
        }
    }

    @Override
    public void onMalformed(LinkChannel channel, MalformedFrameException error) {
        events.add(new Event("malformed", channel, error));
    }

    @Override
    public void onClosed(LinkChannel channel) {
        events.add(new Event("closed", channel, null));
    }

    @Override
    public void onDialFailed(String address, Object attachment, Throwable cause) {
        events.add(new Event("dialFailed", null, attachment));
    }

    Event next() throws InterruptedException {
        Event e = events.poll(10, TimeUnit.SECONDS);
        if (e == null) {
            throw new AssertionError("no transport event within 10 s");
        }
        return e;
    }
}
