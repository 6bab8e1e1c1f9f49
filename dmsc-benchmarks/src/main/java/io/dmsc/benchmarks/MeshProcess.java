package io.dmsc.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One mesh node (SG or SR) as its own OS process, started with the product's launcher
 * ({@code java -cp dmsc.jar io.dmsc.cli.Dmsc run --topology FILE --node ID}), its output in a log file.
 * Reads the process's CPU time and resident memory from {@code /proc} (Linux only).
 *
 * <p>Used from the harness's main thread and its shutdown hook; {@link #close} may run on either.
 */
final class MeshProcess implements AutoCloseable {
    private final String nodeId;
    private final Process process;
    private final Path log;

    private MeshProcess(String nodeId, Process process, Path log) {
        this.nodeId = nodeId;
        this.process = process;
        this.log = log;
    }

    /**
     * @param javaBin  the java launcher
     * @param jvmOpts  extra JVM options (may be empty)
     * @param cliJar   the shaded dmsc CLI jar
     * @param topology the topology file
     * @param nodeId   the node to run
     * @param logDir   where {@code <nodeId>.log} goes
     * @return the started process (not yet ready)
     */
    /**
     * The JVM options the product's launcher gives {@code run --topology topology --node nodeId}
     * (its per-role heap and collector defaults, and {@code DMSC_JAVA_OPTS} if set), read from what
     * it prints with {@code DMSC_LAUNCHER_PRINT=1} instead of starting the node.
     *
     * @param launcher the {@code dmsc} script
     * @return the options between {@code java} and {@code -jar}
     */
    static List<String> launcherJvmOptions(Path launcher, Path topology, String nodeId) {
        return launcherJvmOptions(launcher, List.of("run", "--topology", topology.toString(), "--node", nodeId),
                null);
    }

    /**
     * The JVM options the product's launcher gives the command {@code dmscArgs}, as
     * {@link #launcherJvmOptions(Path, Path, String)}.
     *
     * @param launcher      the {@code dmsc} script
     * @param dmscArgs      the command and its arguments, e.g. {@code up examples/figure2.yaml}
     * @param dmscJavaOpts  what {@code DMSC_JAVA_OPTS} is set to for the launcher (null: as inherited)
     * @return the options between {@code java} and {@code -jar}
     */
    static List<String> launcherJvmOptions(Path launcher, List<String> dmscArgs, String dmscJavaOpts) {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.toString());
        cmd.addAll(dmscArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("DMSC_LAUNCHER_PRINT", "1");
        if (dmscJavaOpts != null) {
            pb.environment().put("DMSC_JAVA_OPTS", dmscJavaOpts);
        }
        String out;
        try {
            Process p = pb.start();
            out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                throw new IllegalStateException(launcher + " exited " + p.exitValue() + ": " + out);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot run " + launcher, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        List<String> words = List.of(out.split("\\s+"));
        int jar = words.indexOf("-jar");
        if (words.isEmpty() || !words.get(0).equals("java") || jar < 0) {
            throw new IllegalStateException(launcher + " printed '" + out + "' (expected: java OPTIONS -jar JAR ...)");
        }
        return words.subList(1, jar);
    }

    static MeshProcess start(Path javaBin, List<String> jvmOpts, Path cliJar, Path topology, String nodeId,
                             Path logDir) {
        return start(javaBin, jvmOpts, cliJar, topology, nodeId, logDir, false);
    }

    /**
     * As {@link #start(Path, List, Path, Path, String, Path)}; with {@code appendLog} the log of an earlier
     * run of the same node is kept and this run's output goes after it (a restart).
     */
    static MeshProcess start(Path javaBin, List<String> jvmOpts, Path cliJar, Path topology, String nodeId,
                             Path logDir, boolean appendLog) {
        return start(javaBin, jvmOpts, cliJar, List.of("run", "--topology", topology.toString(), "--node", nodeId),
                nodeId, logDir, appendLog);
    }

    /**
     * Starts {@code java jvmOpts -cp cliJar io.dmsc.cli.Dmsc dmscArgs} (a node with {@code run}, a whole
     * mesh with {@code up}); its output goes to {@code <name>.log} in {@code logDir}.
     *
     * @param name what the process is called in messages and in its log's file name
     */
    static MeshProcess start(Path javaBin, List<String> jvmOpts, Path cliJar, List<String> dmscArgs, String name,
                             Path logDir, boolean appendLog) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin.toString());
        cmd.addAll(jvmOpts);
        cmd.addAll(List.of("-cp", cliJar.toString(), "io.dmsc.cli.Dmsc"));
        cmd.addAll(dmscArgs);
        Path log = logDir.resolve(name + ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(appendLog
                    ? ProcessBuilder.Redirect.appendTo(log.toFile()) : ProcessBuilder.Redirect.to(log.toFile())).start();
            return new MeshProcess(name, p, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", cmd), e);
        }
    }

    String nodeId() {
        return nodeId;
    }

    long pid() {
        return process.pid();
    }

    /** Kills the process at once (SIGKILL on Linux) and waits for it to end. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** @return the last lines of the process's log, for error messages */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** @return user + system CPU time of the process so far, in clock ticks */
    long cpuTicks() {
        return cpuTicks(pid());
    }

    /**
     * CPU ticks (utime + stime) of this process's threads, summed by thread group: the thread's name
     * ({@code /proc/PID/task/TID/comm}, at most 15 characters) with the numbers after {@code #} or {@code -} dropped, so
     * {@code C2 CompilerThre}, {@code GC Thread#}, {@code dmsc-links--} and the like. Threads that ended
     * are not counted.
     */
    Map<String, Long> cpuTicksByThreadGroup() {
        Map<String, Long> out = new java.util.TreeMap<>();
        Path tasks = Path.of("/proc", Long.toString(pid()), "task");
        try (java.util.stream.Stream<Path> list = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) list::iterator) {
                try {
                    String comm = Files.readString(t.resolve("comm")).trim();
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    out.merge(comm.replaceAll("(?<=[#-])\\d+|\\d+$", "").trim(), ticks, Long::sum);
                } catch (NoSuchFileException ended) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** @return VmRSS in KiB */
    long rssKb() {
        return statusKb(pid(), "VmRSS:");
    }

    /** @return VmHWM (peak resident set) in KiB */
    long peakRssKb() {
        return statusKb(pid(), "VmHWM:");
    }

    /**
     * @param pid a process id
     * @return utime + stime from {@code /proc/<pid>/stat}, in clock ticks
     */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may contain spaces; fields after its closing ')' start at field 3.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("process " + pid + " is gone", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * CPU time in nanoseconds: the sum of the first field of {@code /proc/<pid>/task/<tid>/schedstat}
     * (time on CPU) over the process's live threads. Finer than {@link #cpuTicks} (10 ms ticks),
     * for blocks of well under a second of CPU; time of threads that ended is not counted, so use
     * it around blocks during which the process keeps its threads (a running node's are long-lived).
     *
     * @param pid a process id
     * @return nanoseconds on CPU of its live threads
     */
    static long cpuNanos(long pid) {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String line = Files.readString(t.resolve("schedstat")).trim();
                    sum += Long.parseLong(line.substring(0, line.indexOf(' ')));
                } catch (NoSuchFileException e) {
                    // the thread ended while being read
                }
            }
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("process " + pid + " is gone", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sum;
    }

    /**
     * @param pid a process id
     * @param key a {@code /proc/<pid>/status} key such as {@code VmRSS:}
     * @return its value in KiB, or -1 when absent
     */
    static long statusKb(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split(" +")[0]);
                }
            }
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asks the process to stop (its shutdown hook closes the node), then kills it after 5 s. */
    @Override
    public void close() {
        close(5);
    }

    /**
     * Asks the process to stop, then kills it after {@code graceS} seconds (longer for a JVM that writes a
     * class-data archive at exit).
     */
    void close(long graceS) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(graceS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
