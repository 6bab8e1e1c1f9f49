package io.dmsc.gateway.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dmsc.gateway.pod.AttachHarness.PodClient;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** One log line per event that matters, and never the credential. */
class AttachLoggingTest {
    private static final String CREDENTIAL = "s3cret-bearer-token";

    private final Logger logger = (Logger) LoggerFactory.getLogger("io.dmsc.gateway.pod");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level levelBefore;
    private boolean additiveBefore;
    private AttachHarness sg;

    @BeforeEach
    void start() throws Exception {
        levelBefore = logger.getLevel();
        additiveBefore = logger.isAdditive();
        logger.setLevel(Level.INFO);
        logger.setAdditive(false); // captured here, not printed
        appender.start();
        logger.addAppender(appender);
        sg = new AttachHarness();
    }

    @AfterEach
    void stop() throws Exception {
        sg.close();
        logger.detachAppender(appender);
        logger.setLevel(levelBefore);
        logger.setAdditive(additiveBefore);
    }

    private List<String> lines() {
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void shouldLogPodEventsWithoutTheCredential() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        PodClient pod = sg.openPod();
        pod.hello("pod-7", CREDENTIAL);
        pod.next();
        pod.announce(1, "/_dmsc/x", "127.0.0.1:1", 1);
        pod.next();
        pod.announce(2, "/gone", "127.0.0.1:" + closedPort, 1);
        pod.next();
        pod.next(); // EndpointHealth: unhealthy

        pod.halfClose();

        await().atMost(Duration.ofSeconds(10)).until(() -> lines().stream().anyMatch(l -> l.contains("detached")));
        assertThat(lines()).anySatisfy(l -> assertThat(l).contains("pod pod-7 attached from 127.0.0.1:"));
        assertThat(lines()).anySatisfy(l -> assertThat(l).contains("pod pod-7 announced /_dmsc/x at 127.0.0.1:1: "
                + "rejected (RESERVED_NAMESPACE)"));
        assertThat(lines()).anySatisfy(l -> assertThat(l).contains("pod pod-7 announced /gone at 127.0.0.1:"
                + closedPort + " (weight 1): accepted"));
        assertThat(lines()).anySatisfy(l -> assertThat(l).contains("endpoint 127.0.0.1:" + closedPort
                + " of pod [pod-7] is unhealthy"));
        assertThat(lines()).anySatisfy(l -> assertThat(l).contains("pod pod-7 detached (the pod closed the stream); "
                + "withdrew 1 announcement(s)"));
        assertThat(appender.list).noneSatisfy(e -> assertThat(e.toString() + e.getFormattedMessage()
                + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage())).contains(CREDENTIAL));
    }

    @Test
    void shouldWriteOneLinePerCauseForThousandsOfRefusedPrefixesAndStillAnswerEachOne() throws Exception {
        PodClient pod = sg.openPod();
        pod.hello("pod-flood", CREDENTIAL);
        pod.next();
        int refused = 2_000;
        for (int i = 0; i < refused; i++) {
            pod.announce(i + 1, "/_dmsc/x" + i, "127.0.0.1:1", 1);
        }
        int answered = 0;
        for (int i = 0; i < refused; i++) {
            var m = pod.next();
            if (m.hasAnnounceResult() && !m.getAnnounceResult().getAccepted()) {
                answered++;
            }
        }
        assertThat(answered).as("every refused announcement is answered with its reason").isEqualTo(refused);
        assertThat(lines().stream().filter(l -> l.contains("pod pod-flood announced")).count())
                .as("one line for the cause, not one per refusal: %s", lines()).isEqualTo(1);
    }
}
