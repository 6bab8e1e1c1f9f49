package io.dmsc.node.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads a node's key, certificate and CA files when they change (certificate rotation, CA
 * rollover): new links and new LSP signatures use the new ones, established links stay up. A
 * changed set that cannot be used (unreadable, another node's certificate, not valid now) keeps
 * the previous one in force and is logged. Polls every {@code intervalMs} on a daemon thread.
 */
public final class CredentialsWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CredentialsWatcher.class);

    private final String nodeId;
    private final Path ca;
    private final Path cert;
    private final Path key;
    private final Consumer<Credentials> onChange;
    private final ScheduledExecutorService timer;
    private List<FileTime> stamps;

    /**
     * @param nodeId     the node (its certificate must stay for it)
     * @param ca         the trusted CA file
     * @param cert       the node's certificate chain
     * @param key        the node's private key
     * @param intervalMs how often to look
     * @param onChange   told the new credentials, on the watcher's thread
     */
    public CredentialsWatcher(String nodeId, Path ca, Path cert, Path key, long intervalMs,
                              Consumer<Credentials> onChange) {
        this.nodeId = nodeId;
        this.ca = Objects.requireNonNull(ca, "ca");
        this.cert = Objects.requireNonNull(cert, "cert");
        this.key = Objects.requireNonNull(key, "key");
        this.onChange = onChange;
        this.stamps = stamps();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dmsc-credentials-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    private List<FileTime> stamps() {
        return List.of(stamp(ca), stamp(cert), stamp(key));
    }

    private static FileTime stamp(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    /** Looks once; on the watcher's thread (or a test's). */
    void check() {
        List<FileTime> now = stamps();
        if (now.equals(stamps)) {
            return;
        }
        stamps = now;
        Credentials c;
        try {
            c = Credentials.load(key, cert, ca);
            MeshIdentity id = c.identity();
            if (id.kind() != MeshIdentity.Kind.NODE || !id.id().equals(nodeId)) {
                throw new IllegalArgumentException(cert + " is for " + id + " (expected: node " + nodeId + ")");
            }
            c.chain().get(0).checkValidity();
        } catch (IllegalArgumentException | java.security.cert.CertificateException e) {
            LOG.error("{}: changed certificate files NOT used, the previous ones stay in force: {}", nodeId,
                    e.getMessage());
            return;
        }
        LOG.info("{}: certificate files reloaded: {} valid until {}, trusting {} CA(s)", nodeId, c.identity(),
                c.chain().get(0).getNotAfter().toInstant(), c.trusted().size());
        try {
            onChange.accept(c);
        } catch (RuntimeException e) {
            LOG.error("{}: applying rotated credentials failed", nodeId, e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
