package io.dmsc.node.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RateLimitedLogTest {
    private final AtomicLong nowNs = new AtomicLong(1_000);
    private final Logger logger = (Logger) LoggerFactory.getLogger("test.RateLimitedLogTest");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void capture() {
        lines.start();
        logger.addAppender(lines);
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        logger.setAdditive(false);
    }

    @AfterEach
    void release() {
        logger.detachAppender(lines);
    }

    private List<String> messages() {
        return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void shouldWriteOneLinePerCausePerIntervalAndCountTheRest() {
        RateLimitedLog log = new RateLimitedLog(logger, 10_000, 16, nowNs::get);
        for (int i = 0; i < 18_000; i++) {
            log.warn("tls:10.0.0.7", "TLS refused from {}: {}", "10.0.0.7", "untrusted");
        }
        assertEquals(List.of("TLS refused from 10.0.0.7: untrusted"), messages());
        assertEquals(17_999, log.suppressed());

        nowNs.addAndGet(TimeUnit.SECONDS.toNanos(10));
        assertTrue(log.warn("tls:10.0.0.7", "TLS refused from {}: {}", "10.0.0.7", "untrusted"));
        assertEquals("TLS refused from 10.0.0.7: untrusted [17999 more like this in the last 10 s not logged]",
                messages().get(1));
        assertEquals(0, log.suppressed());
    }

    @Test
    void shouldLogADifferentCauseAtOnce() {
        RateLimitedLog log = new RateLimitedLog(logger, 10_000, 16, nowNs::get);
        assertTrue(log.info("a", "first {}", 1));
        assertFalse(log.info("a", "first {}", 2));
        assertTrue(log.info("b", "second {}", 3));
        assertEquals(List.of("first 1", "second 3"), messages());
    }

    @Test
    void shouldForgetTheLeastRecentCausesBeyondTheBoundButKeepTheirCounts() {
        RateLimitedLog log = new RateLimitedLog(logger, 10_000, 4, nowNs::get);
        for (int i = 0; i < 100; i++) {
            log.warn("port:" + i, "connection from port {}", i);
            log.warn("port:" + i, "connection from port {}", i);
        }
        assertEquals(100, messages().size(), "each new cause logs once");
        assertEquals(100, log.suppressed(), "the second event of each cause is counted, remembered or not");
    }

    @Test
    void shouldTakeTheHostOfAPeerAddressSoThatItsConnectionsShareACause() {
        assertEquals("10.0.0.7", RateLimitedLog.hostOf("10.0.0.7:51234"));
        assertEquals("[::1]", RateLimitedLog.hostOf("[::1]:7001"));
        assertEquals("unknown", RateLimitedLog.hostOf("unknown"));
    }

    @Test
    void shouldRefuseANonPositiveInterval() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new RateLimitedLog(logger, 0, 4, nowNs::get));
        assertTrue(e.getMessage().contains("expected: both > 0"), e.getMessage());
    }
}
