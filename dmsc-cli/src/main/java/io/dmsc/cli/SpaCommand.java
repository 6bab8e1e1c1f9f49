package io.dmsc.cli;

import io.dmsc.spa.TokenHash;
import io.dmsc.wire.auth.SpaKeys;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dmsc spa}: the Service Prefix Authentication entity's offline tools. */
@Command(name = "spa", description = {"Offline tools for the Service Prefix Authentication entity (SPA).",
    "An SPA itself runs with dmsc run or dmsc up."},
        subcommands = {SpaCommand.Keygen.class, SpaCommand.HashToken.class},
        footerHeading = "%nExamples:%n",
        footer = {"  dmsc spa keygen --out spa/signing.key", "  dmsc spa hash-token"})
final class SpaCommand {
    private SpaCommand() {
    }

    /** {@code dmsc spa keygen --out FILE}. */
    @Command(name = "keygen", description = {"Create an Ed25519 signing key for an SPA.",
        "Writes FILE (private, mode 600) and FILE.pub (the trust anchor every node lists in "
            + "authorization.trustAnchors); an existing file is never overwritten.",
        "Rotation: create a new key, add its .pub to every node's trustAnchors, then point the SPAs' signingKey "
            + "at it; remove the old .pub once the old grants have expired."},
            footerHeading = "%nExamples:%n",
            footer = "  dmsc spa keygen --out spa/signing.key")
    static final class Keygen implements Callable<Integer> {
        @Option(names = "--out", required = true, paramLabel = "FILE",
                description = "the private key file to create; the public key goes next to it, as FILE.pub")
        Path out;

        @Override
        public Integer call() throws IOException {
            KeyPair pair = SpaKeys.generate();
            Path pub = Path.of(out + ".pub");
            try {
                Files.writeString(out, SpaKeys.privatePem(pair), StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                throw new Dmsc.UserException("spa keygen: " + out + " exists (expected: a new file; keys are never "
                        + "overwritten)");
            }
            try {
                Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: keep the default permissions
            }
            Files.writeString(pub, SpaKeys.publicPem(pair.getPublic()), StandardCharsets.US_ASCII);
            System.out.println("signing key " + out + " and trust anchor " + pub + ": key id "
                    + SpaKeys.keyIdHex(pair.getPublic()));
            return 0;
        }
    }

    /** {@code dmsc spa hash-token [--token T | --stdin]}. */
    @Command(name = "hash-token", description = {"Print the salted hash of a token, for the SPA policy's tokenHash.",
        "Without --token or --stdin, a new random token is made and printed first (give it to the pod; "
            + "only the hash goes into the policy)."},
            footerHeading = "%nExamples:%n",
            footer = {"  dmsc spa hash-token", "  dmsc spa hash-token --stdin < examples/tokens/pod-4.token"})
    static final class HashToken implements Callable<Integer> {
        @Option(names = "--token", paramLabel = "T", description = "the token to hash (visible in the process "
                + "list; prefer --stdin)")
        String token;

        @Option(names = "--stdin", description = "read the token from the first line of stdin")
        boolean stdin;

        @Override
        public Integer call() throws IOException {
            String t = token;
            if (stdin) {
                t = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                if (t == null) {
                    throw new Dmsc.UserException("spa hash-token: stdin is empty (expected: the token on one line)");
                }
            }
            if (t == null) {
                t = TokenHash.newToken();
                System.out.println("token: " + t);
            }
            t = t.trim();
            if (t.isEmpty()) {
                throw new Dmsc.UserException("spa hash-token: empty token (expected: at least one character)");
            }
            System.out.println("tokenHash: " + TokenHash.hash(t));
            return 0;
        }
    }
}
