package io.dmsc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShellWordsTest {
    @TempDir
    Path dir;

    @Test
    void shouldSplitWordsQuotesCommentsAndCommandsAsBashDoes() throws Exception {
        assertThat(ShellWords.commands("./dmsc show fib --admin 127.0.0.1:9101   # sg-1's table", dir))
                .containsExactly(List.of("./dmsc", "show", "fib", "--admin", "127.0.0.1:9101"));
        assertThat(ShellWords.commands("a 'b c' \"d \\\"e\\\"\" f\\ g", dir))
                .containsExactly(List.of("a", "b c", "d \"e\"", "f g"));
        assertThat(ShellWords.commands("a x; b && c || d | e & f", dir))
                .containsExactly(List.of("a", "x"), List.of("b"), List.of("c"), List.of("d"), List.of("e"), List.of("f"));
        assertThat(ShellWords.commands("a < in > out 2>&1 b", dir)).containsExactly(List.of("a", "b"));
        assertThat(ShellWords.commands("a#b '#' # c", dir)).containsExactly(List.of("a#b", "#"));
    }

    @Test
    void shouldReadTheFileOfACatSubstitution() throws Exception {
        Files.writeString(dir.resolve("t.token"), "s3cret\n\n");
        assertThat(ShellWords.commands("a --token \"$(cat t.token)\" $(cat t.token)x", dir))
                .containsExactly(List.of("a", "--token", "s3cret", "s3cretx"));
    }

    @Test
    void shouldRefuseWhatItDoesNotEvaluate() {
        assertThatThrownBy(() -> ShellWords.commands("java -cp \"$CP\" Main", dir))
                .hasMessage("the shell variable $CP");
        assertThatThrownBy(() -> ShellWords.commands("a ${HOME}/x", dir)).hasMessage("the shell variable ${HOME}");
        assertThatThrownBy(() -> ShellWords.commands("a $(date)", dir)).hasMessage("the substitution $(date)");
        assertThatThrownBy(() -> ShellWords.commands("a $(cat missing)", dir)).hasMessageContaining("cannot be read");
        assertThatThrownBy(() -> ShellWords.commands("a `date`", dir)).hasMessageContaining("substitution");
        assertThatThrownBy(() -> ShellWords.commands("a 'open", dir)).hasMessage("unterminated single quote");
        assertThatThrownBy(() -> ShellWords.commands("a \"open", dir)).hasMessage("unterminated double quote");
        assertThatThrownBy(() -> ShellWords.commands("a $(cat x", dir)).hasMessage("unterminated $(");
    }
}
