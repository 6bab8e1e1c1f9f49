package io.dmsc.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits the simple shell lines of the docs and of the commands' help examples into commands and
 * words as bash would: quotes, backslashes, a trailing comment, {@code ; && || | &} between
 * commands, redirections dropped, and {@code $(cat FILE)} replaced by the file's text. Anything
 * else that bash would expand (a variable, another substitution) is refused, never guessed.
 */
final class ShellWords {
    private static final Pattern CAT = Pattern.compile("cat\\s+(\\S+)");

    private ShellWords() {
    }

    /** A line with something this splitter does not evaluate; the message says what. */
    static final class UnsupportedException extends Exception {
        private static final long serialVersionUID = 1L;

        UnsupportedException(String message) {
            super(message);
        }
    }

    /**
     * @param line one logical line (continuations already joined)
     * @param root the directory {@code $(cat FILE)} reads FILE from
     * @return the line's commands, each as its words
     * @throws UnsupportedException if the line needs an expansion this splitter does not do
     */
    static List<List<String>> commands(String line, Path root) throws UnsupportedException {
        List<List<String>> commands = new ArrayList<>();
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        boolean dropNextWord = false;
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c) || c == ';' || c == '|' || c == '&' || c == '<' || c == '>') {
                if (word != null && (c == '<' || c == '>') && word.toString().matches("\\d+")) {
                    word = null; // the fd of 2>FILE
                }
                if (word != null) {
                    if (dropNextWord) {
                        dropNextWord = false;
                    } else {
                        words.add(word.toString());
                    }
                    word = null;
                }
                if (c == '<' || c == '>') {
                    dropNextWord = true;
                    while (i + 1 < n && (line.charAt(i + 1) == '>' || line.charAt(i + 1) == '&')) {
                        i++;
                    }
                } else if (!Character.isWhitespace(c)) {
                    if (!words.isEmpty()) {
                        commands.add(words);
                    }
                    words = new ArrayList<>();
                }
                i++;
                continue;
            }
            if (c == '#' && word == null) {
                break;
            }
            if (word == null) {
                word = new StringBuilder();
            }
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new UnsupportedException("unterminated single quote");
                }
                word.append(line, i + 1, end);
                i = end + 1;
            } else if (c == '"') {
                i++;
                while (i < n && line.charAt(i) != '"') {
                    char d = line.charAt(i);
                    if (d == '\\' && i + 1 < n && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
                        word.append(line.charAt(i + 1));
                        i += 2;
                    } else if (d == '$') {
                        i = dollar(line, i, word, root);
                    } else if (d == '`') {
                        throw new UnsupportedException("a `command` substitution");
                    } else {
                        word.append(d);
                        i++;
                    }
                }
                if (i >= n) {
                    throw new UnsupportedException("unterminated double quote");
                }
                i++;
            } else if (c == '\\') {
                if (i + 1 < n) {
                    word.append(line.charAt(i + 1));
                }
                i += 2;
            } else if (c == '$') {
                i = dollar(line, i, word, root);
            } else if (c == '`') {
                throw new UnsupportedException("a `command` substitution");
            } else {
                word.append(c);
                i++;
            }
        }
        if (word != null && !dropNextWord) {
            words.add(word.toString());
        }
        if (!words.isEmpty()) {
            commands.add(words);
        }
        return commands;
    }

    /** Expands the {@code $...} at {@code i} into {@code word}; returns the index after it. */
    private static int dollar(String line, int i, StringBuilder word, Path root) throws UnsupportedException {
        if (i + 1 < line.length() && line.charAt(i + 1) == '(') {
            int end = line.indexOf(')', i + 2);
            if (end < 0) {
                throw new UnsupportedException("unterminated $(");
            }
            String inner = line.substring(i + 2, end).trim();
            Matcher m = CAT.matcher(inner);
            if (!m.matches()) {
                throw new UnsupportedException("the substitution $(" + inner + ")");
            }
            Path file = root.resolve(m.group(1));
            try {
                // Command substitution drops the trailing newlines.
                word.append(Files.readString(file).replaceAll("\\n+$", ""));
            } catch (IOException e) {
                throw new UnsupportedException("$(" + inner + "): " + file + " cannot be read");
            }
            return end + 1;
        }
        if (i + 1 < line.length() && (Character.isLetter(line.charAt(i + 1)) || line.charAt(i + 1) == '_'
                || line.charAt(i + 1) == '{')) {
            Matcher m = Pattern.compile("\\$\\{?[A-Za-z_][A-Za-z0-9_]*}?").matcher(line);
            String name = m.find(i) && m.start() == i ? m.group() : line.substring(i);
            throw new UnsupportedException("the shell variable " + name);
        }
        word.append('$');
        return i + 1;
    }
}
