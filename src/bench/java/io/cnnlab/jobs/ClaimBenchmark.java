package io.cnnlab.jobs;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;

import java.net.InetAddress;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Claims per second with contending workers on PostgreSQL: {@code --workers} threads spread over {@code --pools}
 * connection pools (as that many instances would be) claim {@code --jobs} queued jobs until none is left, through the
 * service's own store. Not a test: a measurement to run by hand against a PostgreSQL it may create a schema in.
 *
 * <pre>
 * ./mvnw -Pbenchmark compile exec:exec -Dbenchmark.main=io.cnnlab.jobs.ClaimBenchmark \
 *     -Dbenchmark.args="--url jdbc:postgresql://127.0.0.1:5432/postgres --user postgres"
 *
 * --url URL       PostgreSQL JDBC URL (required); a fresh schema is made in it and dropped afterwards
 * --user NAME     (default postgres), --password (default none)
 * --workers N     claiming threads (default 16)
 * --pools N       connection pools they share, one per simulated instance (default 2)
 * --jobs N        queued jobs per round (default 5000)
 * --rounds N      timed rounds after one untimed warm-up round (default 3)
 * </pre>
 */
public final class ClaimBenchmark {

    private ClaimBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String url = null;
        String user = "postgres";
        String password = "";
        int workers = 16;
        int pools = 2;
        int jobs = 5000;
        int rounds = 3;
        for (int i = 0; i < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "--url" -> url = value;
                case "--user" -> user = value;
                case "--password" -> password = value;
                case "--workers" -> workers = Integer.parseInt(value);
                case "--pools" -> pools = Integer.parseInt(value);
                case "--jobs" -> jobs = Integer.parseInt(value);
                case "--rounds" -> rounds = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (url == null) {
            throw new IllegalArgumentException("--url jdbc:postgresql://... is required");
        }
        String schema = "claim_bench_" + System.currentTimeMillis();
        try (HikariDataSource admin = pool(url, user, password, 1)) {
            JdbcClient.create(admin).sql("create schema " + schema).update();
        }
        String schemaUrl = url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        List<HikariDataSource> dataSources = new ArrayList<>();
        int perPool = (workers + pools - 1) / pools;
        for (int p = 0; p < pools; p++) {
            dataSources.add(pool(schemaUrl, user, password, perPool));
        }
        try {
            Flyway.configure().dataSource(dataSources.get(0)).load().migrate();
            List<JdbcJobStore> stores = dataSources.stream().map(JdbcJobStore::new).toList();
            JdbcClient jdbc = JdbcClient.create(dataSources.get(0));
            String version = jdbc.sql("select version()").query(String.class).single();
            System.out.printf("# claim benchmark %s on %s, %d cores%n", OffsetDateTime.now().withNano(0),
                    InetAddress.getLocalHost().getHostName(), Runtime.getRuntime().availableProcessors());
            System.out.printf("# %s%n# %d workers on %d pools of %d connections, %d jobs per round%n", version,
                    workers, pools, perPool, jobs);
            round(jdbc, stores, workers, Math.min(jobs, 1000)); // warm-up: JIT, pools, plans
            List<Double> rates = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                double rate = round(jdbc, stores, workers, jobs);
                rates.add(rate);
                System.out.printf("round %d: %.0f claims/s%n", r, rate);
            }
            rates.sort(null);
            System.out.printf("median: %.0f claims/s with %d contending workers%n", rates.get(rates.size() / 2), workers);
        } finally {
            dataSources.forEach(HikariDataSource::close);
            try (HikariDataSource admin = pool(url, user, password, 1)) {
                JdbcClient.create(admin).sql("drop schema " + schema + " cascade").update();
            }
        }
    }

    /** Queues {@code jobs} jobs, then times the workers claiming every one; checks none was claimed twice. */
    private static double round(JdbcClient jdbc, List<JdbcJobStore> stores, int workers, int jobs) throws Exception {
        jdbc.sql("delete from training_job").update();
        Instant created = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < jobs; i++) {
            jdbc.sql("insert into training_job (id, architecture, model_name, state, plan, created_at) "
                            + "values (?, 'baseline', 'm', 'QUEUED', '{}', ?)")
                    .params(UUID.randomUUID().toString(), Timestamp.from(created.plusMillis(i))).update();
        }
        Set<String> claimed = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(workers);
        List<Future<?>> done = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < workers; w++) {
            JdbcJobStore store = stores.get(w % stores.size());
            String owner = "bench-" + (w % stores.size()) + "-" + w;
            done.add(threads.submit(() -> {
                for (var job = store.claimNext(owner, Duration.ofMinutes(5), Instant.now()); job.isPresent();
                     job = store.claimNext(owner, Duration.ofMinutes(5), Instant.now())) {
                    if (!claimed.add(job.get().id())) {
                        duplicates.incrementAndGet();
                    }
                }
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        threads.shutdown();
        if (claimed.size() != jobs || duplicates.get() > 0) {
            throw new IllegalStateException("claimed %d distinct of %d jobs, %d twice".formatted(claimed.size(), jobs,
                    duplicates.get()));
        }
        return jobs / seconds;
    }

    private static HikariDataSource pool(String url, String user, String password, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }
}
