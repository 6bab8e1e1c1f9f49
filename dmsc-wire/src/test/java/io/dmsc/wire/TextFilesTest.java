package io.dmsc.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dmsc.wire.auth.SpaKeys;
import io.dmsc.wire.tls.Pem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextFilesTest {
    @TempDir
    Path dir;

    @Test
    void shouldReadUtf8Text() throws Exception {
        Path file = dir.resolve("t.yaml");
        Files.writeString(file, "name: caf\u00e9\n", StandardCharsets.UTF_8);
        assertThat(TextFiles.read(file, StandardCharsets.UTF_8, "x")).isEqualTo("name: caf\u00e9\n");
    }

    @Test
    void shouldNameTheFirstByteThatIsNotUtf8() throws Exception {
        Path file = dir.resolve("t.bin");
        Files.write(file, new byte[] {'a', 'b', (byte) 0xc3, (byte) 0x28});
        assertThatThrownBy(() -> TextFiles.read(file, StandardCharsets.UTF_8, "a YAML file"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(file + ": not a UTF-8 text file (byte 0xc3 at offset 2; expected: a YAML file)");
    }

    @Test
    void shouldNameABinaryKeyFileInsteadOfInputLength() throws Exception {
        Path file = dir.resolve("k.key");
        Files.write(file, new byte[] {'-', '-', (byte) 0x80, 1, 2});
        assertThatThrownBy(() -> SpaKeys.readPublicKey(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(file + ": not an ASCII text file (byte 0x80 at offset 2;");
        assertThatThrownBy(() -> Pem.readCertificates(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(file + ": not an ASCII text file (byte 0x80 at offset 2;");
    }

    @Test
    void shouldSayADirectoryIsADirectory() {
        assertThatThrownBy(() -> TextFiles.read(dir, StandardCharsets.UTF_8, "a token file"))
                .hasMessage(dir + ": is a directory (expected: a token file)");
    }
}
