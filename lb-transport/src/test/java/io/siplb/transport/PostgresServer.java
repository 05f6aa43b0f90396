package io.siplb.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Debian's PostgreSQL ({@code postgresql}), trust authentication, database {@code kamailio}. */
final class PostgresServer extends SqlServer {
    private final Path bin;

    PostgresServer() throws IOException, InterruptedException {
        super("siplb-pg-");
        bin = binaries();
        own(dir);
        run(asUser(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-A", "trust",
                "-U", "postgres", "--no-sync")));
        start();
        run(List.of("psql", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1",
                "-c", "CREATE DATABASE kamailio"));
        createDispatcherTable(Path.of("/usr/share/kamailio/postgres/dispatcher-create.sql"), """
                CREATE TABLE dispatcher (id SERIAL PRIMARY KEY NOT NULL, setid INTEGER DEFAULT 0 NOT NULL,
                destination VARCHAR(192) DEFAULT '' NOT NULL, flags INTEGER DEFAULT 0 NOT NULL,
                priority INTEGER DEFAULT 0 NOT NULL, attrs VARCHAR(128) DEFAULT '' NOT NULL,
                description VARCHAR(64) DEFAULT '' NOT NULL);""");
    }

    private static Path binaries() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        skipWithout(root, "postgresql");
        try (Stream<Path> versions = Files.list(root)) {
            Path bin = versions.map(version -> version.resolve("bin")).filter(p -> Files.isExecutable(p.resolve("postgres")))
                    .max(Comparator.comparing(Path::toString)).orElse(root.resolve("bin"));
            skipWithout(bin.resolve("postgres"), "postgresql");
            return bin;
        }
    }

    @Override
    String url() {
        return "postgres://postgres@127.0.0.1:" + port + "/kamailio";
    }

    @Override
    List<String> serverCommand() {
        return List.of(bin.resolve("postgres").toString(), "-D", dir.resolve("data").toString(), "-p",
                Integer.toString(port), "-k", dir.toString(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off");
    }

    @Override
    String user() {
        return "postgres";
    }

    @Override
    boolean answers() throws InterruptedException {
        try {
            run(List.of("psql", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres", "-c", "SELECT 1"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    void sql(String sql) throws IOException, InterruptedException {
        run(List.of("psql", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres", "-d", "kamailio",
                "-v", "ON_ERROR_STOP=1", "-q", "-c", sql));
    }
}
