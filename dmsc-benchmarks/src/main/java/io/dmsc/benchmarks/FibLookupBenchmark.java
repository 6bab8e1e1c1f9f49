package io.dmsc.benchmarks;

import io.dmsc.routing.Fib;
import io.dmsc.routing.FibEntry;
import io.dmsc.wire.ServicePrefix;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Longest-prefix match throughput of {@link Fib#lookup(String)} on one thread, against a naive
 * reference measured in the same run: a {@code HashMap<String, FibEntry>} probed with every
 * prefix of the name, built by {@code substring}, longest first.
 *
 * <p>The FIB holds 100,000 prefixes of 1 to 6 components drawn from per-level vocabularies
 * (domains, services, regions and versions, shards and tenants, operations, replicas) with a
 * skew towards popular words, so many prefixes share ancestors, as in a real service mesh.
 * The 65,536 lookup names have 3 to 8 components: 75% extend a stored prefix (the longest
 * match may be that prefix, a deeper one, or for shallow prefixes the prefix itself), 15% are
 * fresh random names over the same vocabularies (they usually match a shallow ancestor), 10%
 * start with an unknown first component and miss. The names are iterated cyclically. The
 * hit rate and the matched-depth histogram are printed when the trial starts. Target: at
 * least 5 million lookups per second.
 *
 * <p>{@link #distinctNames} 65,536 is the workload above: the names, the table and the keys
 * far exceed the CPU caches, so nearly every probe is a cache miss. 256 cycles through the
 * first 256 of the same names, a hot working set (a gateway serving a few hundred active
 * services), and so shows the cost of the lookup's own work.
 *
 * <p>Run: {@code java -jar dmsc-benchmarks/target/benchmarks.jar FibLookupBenchmark -f 1 -wi 3 -i 5}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class FibLookupBenchmark {
    private static final long SEED = 20_261_102L;
    private static final int PREFIXES = 100_000;
    private static final int NAMES = 1 << 16;
    private static final String[] NEIGHBORS = {"sr-1", "sr-2", "sr-3", "sr-4", "sr-5", "sr-6"};

    private static final String[] DOMAINS = {"shop", "bank", "media", "maps", "mail", "search", "ads", "iot", "ml",
        "games", "travel", "health", "news", "video", "music", "social", "cloud", "crm", "erp", "hr", "logistics",
        "insurance", "telecom", "energy"};
    private static final String[] SERVICES = {"payment", "cart", "checkout", "catalog", "inventory", "pricing",
        "orders", "shipping", "billing", "invoice", "user", "auth", "session", "profile", "account", "recommend",
        "ranking", "index", "query", "feed", "notify", "email", "sms", "push", "upload", "storage", "thumbnail",
        "transcode", "stream", "player", "geo", "route", "tile", "traffic", "sensor", "telemetry", "device",
        "firmware", "model", "train", "infer", "feature", "gateway", "config", "audit", "log", "metrics", "trace",
        "review", "rating", "coupon", "loyalty", "fraud", "risk", "ledger", "kyc", "chat", "friends", "post",
        "comment", "like", "admin", "search", "media"};
    private static final String[] PLACEMENTS = {"eu-west-1", "eu-central-1", "us-east-1", "us-east-2", "us-west-2",
        "ap-south-1", "ap-northeast-1", "sa-east-1", "v1", "v2", "v3", "canary", "stable", "beta", "prod", "staging",
        "dev", "blue", "green", "internal"};
    private static final String[] OPERATIONS = {"get", "put", "list", "create", "update", "delete", "search",
        "batch", "stream", "watch", "sync", "export", "import", "health", "status", "events"};
    private static final String[] UNKNOWN_DOMAINS = {"legacy", "partner", "tmp", "x-lab", "sandbox", "old-shop"};

    /** How many of the generated names the benchmark cycles through; a power of two. */
    @Param({"65536", "256"})
    public int distinctNames;

    private Fib fib;
    private Map<String, FibEntry> naive;
    private String[] names;
    private int cursor;
    private int nameMask;

    /** Builds the FIB, the reference map and the lookup names, and checks that both agree. */
    @Setup(Level.Trial)
    public void setUp() {
        Random random = new Random(SEED);
        Set<String> prefixes = new LinkedHashSet<>();
        int[] depthWeights = {0, 1, 4, 15, 30, 30, 20};
        while (prefixes.size() < PREFIXES) {
            prefixes.add(randomName(random, pickDepth(random, depthWeights)));
        }
        List<FibEntry> entries = new ArrayList<>(PREFIXES);
        naive = new HashMap<>(PREFIXES * 2);
        List<String> stored = new ArrayList<>(prefixes);
        for (String p : stored) {
            List<String> hops = new ArrayList<>(2);
            int first = random.nextInt(NEIGHBORS.length);
            hops.add(NEIGHBORS[first]);
            if (random.nextInt(4) == 0) {
                hops.add(NEIGHBORS[(first + 1 + random.nextInt(NEIGHBORS.length - 1)) % NEIGHBORS.length]);
                hops.sort(null);
            }
            FibEntry e = new FibEntry(ServicePrefix.parse(p), hops, random.nextInt(50) == 0, 1 + random.nextInt(500));
            entries.add(e);
            naive.put(p, e);
        }
        fib = new Fib(entries);

        names = new String[NAMES];
        for (int i = 0; i < NAMES; i++) {
            int kind = random.nextInt(100);
            if (kind < 75) {
                String base = stored.get(random.nextInt(stored.size()));
                int depth = count(base, '/');
                int target = Math.max(3, depth) + random.nextInt(8 - Math.max(3, depth) + 1);
                names[i] = extend(random, base, depth, target);
            } else if (kind < 90) {
                names[i] = randomName(random, 3 + random.nextInt(6));
            } else {
                String base = "/" + UNKNOWN_DOMAINS[random.nextInt(UNKNOWN_DOMAINS.length)];
                names[i] = extend(random, base, 1, 3 + random.nextInt(6));
            }
        }
        if (Integer.bitCount(distinctNames) != 1 || distinctNames > NAMES) {
            throw new IllegalArgumentException("distinctNames: " + distinctNames + " (expected: a power of two up to "
                    + NAMES + ")");
        }
        nameMask = distinctNames - 1;
        describeAndCheck();
    }

    private void describeAndCheck() {
        int[] matchedDepth = new int[ServicePrefix.MAX_COMPONENTS + 1];
        int misses = 0;
        for (int i = 0; i < distinctNames; i++) {
            String name = names[i];
            FibEntry e = fib.lookup(name);
            if (e != naiveLookup(naive, name)) {
                throw new IllegalStateException("lookup of " + name + ": " + e + " (expected: "
                        + naiveLookup(naive, name) + ")");
            }
            if (e == null) {
                misses++;
            } else {
                matchedDepth[e.prefix().size()]++;
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%nFIB: %d prefixes; %d lookup names, %.1f%% miss; matched depth:", fib.size(),
                distinctNames, 100.0 * misses / distinctNames));
        for (int d = 1; d <= 6; d++) {
            sb.append(String.format(" %d:%.1f%%", d, 100.0 * matchedDepth[d] / distinctNames));
        }
        System.out.println(sb);
    }

    private static int pickDepth(Random random, int[] weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int r = random.nextInt(total);
        for (int d = 0; d < weights.length; d++) {
            r -= weights[d];
            if (r < 0) {
                return d;
            }
        }
        throw new AssertionError(r);
    }

    /** A word from a vocabulary, skewed towards its first entries (popular ancestors). */
    private static String skewed(Random random, String[] words) {
        double u = random.nextDouble();
        return words[(int) (u * u * words.length)];
    }

    /** Component number {@code level} (1-based) of a random name. */
    private static String component(Random random, int level) {
        switch (level) {
            case 1:
                return skewed(random, DOMAINS);
            case 2:
                return skewed(random, SERVICES);
            case 3:
                return skewed(random, PLACEMENTS);
            case 4:
                return random.nextInt(3) == 0 ? "shard-" + random.nextInt(64) : "tenant-" + (int) (Math.pow(
                        random.nextDouble(), 2) * 1000);
            case 5:
                return skewed(random, OPERATIONS);
            case 6:
                return "r" + random.nextInt(32);
            default:
                return random.nextBoolean() ? skewed(random, OPERATIONS) : "id-" + random.nextInt(100_000);
        }
    }

    private static String randomName(Random random, int depth) {
        return extend(random, "", 0, depth);
    }

    private static String extend(Random random, String base, int depth, int target) {
        StringBuilder sb = new StringBuilder(base);
        for (int level = depth + 1; level <= target; level++) {
            sb.append('/').append(component(random, level));
        }
        return sb.toString();
    }

    private static int count(String s, char c) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }

    /**
     * The reference: every prefix of the name built by {@code substring}, longest first.
     *
     * @param map  prefix text → entry
     * @param name a valid name
     * @return the entry of the longest matching prefix, or null
     */
    static FibEntry naiveLookup(Map<String, FibEntry> map, String name) {
        int end = name.length();
        while (end > 0) {
            FibEntry e = map.get(name.substring(0, end));
            if (e != null) {
                return e;
            }
            end = name.lastIndexOf('/', end - 1);
        }
        return null;
    }

    private String nextName() {
        return names[cursor++ & nameMask];
    }

    /**
     * One {@link Fib#lookup(String)}.
     *
     * @param bh sink of the result
     */
    @Benchmark
    public void fibLookup(Blackhole bh) {
        bh.consume(fib.lookup(nextName()));
    }

    /**
     * One lookup in the naive reference.
     *
     * @param bh sink of the result
     */
    @Benchmark
    public void naiveHashMapLookup(Blackhole bh) {
        bh.consume(naiveLookup(naive, nextName()));
    }
}
