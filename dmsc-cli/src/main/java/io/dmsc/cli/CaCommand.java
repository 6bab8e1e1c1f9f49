package io.dmsc.cli;

import io.dmsc.node.security.Credentials;
import io.dmsc.node.security.MeshCa;
import io.dmsc.node.security.MeshIdentity;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dmsc ca}: the mesh certificate authority. */
@Command(name = "ca", description = {"The mesh certificate authority: node and pod certificates for mutual TLS.",
    "Offline: the files it writes are what nodes list under security and pods give as --cert/--key."},
        subcommands = {CaCommand.Init.class, CaCommand.Issue.class},
        footerHeading = "%nExamples:%n",
        footer = {"  dmsc ca init --dir ca --mesh prod", "  dmsc ca issue --dir ca --node sr-1",
            "  dmsc ca issue --dir ca --pod pod-4 --days 7"})
final class CaCommand {
    private CaCommand() {
    }

    /** {@code dmsc ca init --dir DIR --mesh NAME}. */
    @Command(name = "init", description = {"Create a mesh certificate authority.",
        "Writes DIR/ca.key (owner-readable only) and DIR/ca.crt (the trust anchor every node lists as "
            + "security.ca)."},
            footerHeading = "%nExamples:%n",
            footer = "  dmsc ca init --dir ca --mesh prod")
    static final class Init implements Callable<Integer> {
        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "a new or empty directory")
        Path dir;

        @Option(names = "--mesh", required = true, paramLabel = "NAME", description = "the mesh name: the trust domain of "
                + "spiffe://NAME/...")
        String mesh;

        @Option(names = "--days", paramLabel = "N",
                description = "validity of the CA certificate in days (default: ${DEFAULT-VALUE})")
        int days = (int) MeshCa.DEFAULT_CA_VALIDITY.toDays();

        @Override
        public Integer call() throws IOException {
            MeshCa ca;
            try {
                ca = MeshCa.create(mesh, Duration.ofDays(days));
                ca.write(dir);
            } catch (IllegalArgumentException e) {
                throw new Dmsc.UserException("ca init: " + e.getMessage());
            } catch (FileAlreadyExistsException e) {
                throw new Dmsc.UserException("ca init: " + e.getFile() + ": " + e.getReason());
            }
            System.out.println("mesh CA spiffe://" + mesh + " in " + dir + " (ca.crt, ca.key), valid " + days + " days");
            return 0;
        }
    }

    /** {@code dmsc ca issue --dir DIR (--node ID | --pod ID)}. */
    @Command(name = "issue", description = {"Issue a node or pod certificate signed by the mesh CA.",
        "Writes OUT/ID.key (owner-readable only) and OUT/ID.crt (the certificate, then the CA's), for the "
            + "identity spiffe://MESH/node/ID or spiffe://MESH/pod/ID."},
            footerHeading = "%nExamples:%n",
            footer = {"  dmsc ca issue --dir ca --node sr-1", "  dmsc ca issue --dir ca --pod pod-4 --days 7"})
    static final class Issue implements Callable<Integer> {
        @Option(names = "--dir", required = true, paramLabel = "DIR",
                description = "the CA directory (made by dmsc ca init)")
        Path dir;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Who who;

        @Option(names = "--out", paramLabel = "DIR",
                description = "where to write the key and certificate (default: the CA directory)")
        Path out;

        @Option(names = "--days", paramLabel = "N", description = "validity in days (default: ${DEFAULT-VALUE}; "
                + "short-lived: re-issue instead of revoking)")
        int days = (int) MeshCa.DEFAULT_VALIDITY.toDays();

        /** Node or pod. */
        static final class Who {
            @Option(names = "--node", paramLabel = "ID", description = "a node id (SG, SR or SCSC)")
            String node;

            @Option(names = "--pod", paramLabel = "ID", description = "a pod id (for --cert and --key)")
            String pod;
        }

        @Override
        public Integer call() throws IOException {
            try {
                MeshCa ca = MeshCa.load(dir);
                MeshIdentity id = who.node != null ? MeshIdentity.node(ca.mesh(), who.node)
                        : MeshIdentity.pod(ca.mesh(), who.pod);
                Credentials c = ca.issue(id, Duration.ofDays(days));
                Path target = out == null ? dir : out;
                c.write(target, id.id());
                System.out.println(id + ": " + target.resolve(id.id() + ".crt") + " and " + target.resolve(id.id()
                        + ".key") + ", valid " + days + " days");
                return 0;
            } catch (IllegalArgumentException e) {
                throw new Dmsc.UserException("ca issue: " + e.getMessage());
            }
        }
    }
}
