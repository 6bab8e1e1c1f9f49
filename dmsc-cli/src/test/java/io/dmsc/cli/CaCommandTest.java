package io.dmsc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dmsc.node.config.ConfigException;
import io.dmsc.node.config.ConfigLoader;
import io.dmsc.node.config.NodeConfig;
import io.dmsc.node.config.SecurityConfig;
import io.dmsc.node.security.MeshIdentity;
import io.dmsc.wire.tls.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dmsc ca init} and {@code dmsc ca issue}, and a node file that uses their files. */
class CaCommandTest {
    @TempDir
    Path dir;

    private Path nodeFile(Path ca) throws Exception {
        Path f = dir.resolve("sr-1.yaml");
        Files.writeString(f, "id: sr-1\nrole: sr\nlisten: 127.0.0.1:0\n"
                + "security: {ca: " + ca.resolve("ca.crt") + ", cert: " + ca.resolve("sr-1.crt") + ", key: "
                + ca.resolve("sr-1.key") + "}\n");
        return f;
    }

    @Test
    void shouldIssueNodeAndPodCertificatesWithOwnerOnlyKeys() throws Exception {
        Path ca = dir.resolve("ca");
        assertThat(Dmsc.execute("ca", "init", "--dir", ca.toString(), "--mesh", "prod")).isZero();
        assertThat(Dmsc.execute("ca", "issue", "--dir", ca.toString(), "--node", "sr-1")).isZero();
        assertThat(Dmsc.execute("ca", "issue", "--dir", ca.toString(), "--pod", "pod-4")).isZero();
        for (String key : new String[] {"ca.key", "sr-1.key", "pod-4.key"}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ca.resolve(key)))).as(key)
                    .isEqualTo("rw-------");
        }
        assertThat(MeshIdentity.of(Pem.readCertificates(ca.resolve("sr-1.crt")).get(0)).uri())
                .isEqualTo("spiffe://prod/node/sr-1");
        assertThat(MeshIdentity.of(Pem.readCertificates(ca.resolve("pod-4.crt")).get(0)).uri())
                .isEqualTo("spiffe://prod/pod/pod-4");

        NodeConfig c = ConfigLoader.loadNode(nodeFile(ca));
        assertThat(c.security().mode()).isEqualTo(SecurityConfig.Mode.FILES);
        assertThat(c.security().credentials().identity().id()).isEqualTo("sr-1");
        // A CA is never overwritten.
        assertThat(Dmsc.execute("ca", "init", "--dir", ca.toString(), "--mesh", "prod")).isEqualTo(2);
    }

    @Test
    void shouldRefuseAKeyOthersCanReadAndACertificateForAnotherNode() throws Exception {
        Path ca = dir.resolve("ca");
        Dmsc.execute("ca", "init", "--dir", ca.toString(), "--mesh", "prod");
        Dmsc.execute("ca", "issue", "--dir", ca.toString(), "--node", "sr-1");
        Files.setPosixFilePermissions(ca.resolve("sr-1.key"), PosixFilePermissions.fromString("rw-r--r--"));
        Path f = nodeFile(ca);
        assertThatThrownBy(() -> ConfigLoader.loadNode(f)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("sr-1.key").hasMessageContaining("readable or writable by others")
                .hasMessageContaining("chmod 600");

        Dmsc.execute("ca", "issue", "--dir", ca.toString(), "--node", "sr-2");
        // sr-1's certificate with sr-2's key (a half-finished rotation).
        Files.copy(ca.resolve("sr-2.key"), ca.resolve("sr-1.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(ca.resolve("sr-1.key"), PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> ConfigLoader.loadNode(f)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not the private key of");

        Files.copy(ca.resolve("sr-2.crt"), ca.resolve("sr-1.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(ca.resolve("sr-2.key"), ca.resolve("sr-1.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(ca.resolve("sr-1.key"), PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> ConfigLoader.loadNode(f)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("is for spiffe://prod/node/sr-2").hasMessageContaining("for sr-1");
    }
}
