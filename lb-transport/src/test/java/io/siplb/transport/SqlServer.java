package io.siplb.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.opentest4j.TestAbortedException;

/**
 * A throwaway database server of Debian's — {@code postgresql} or {@code mariadb-server} — in a
 * temporary directory on a free loopback port, without authentication, holding Kamailio's
 * {@code dispatcher} table as Kamailio's own schema files create it (or their documented columns
 * when {@code kamailio-postgres-modules}/{@code kamailio-mysql-modules} are not installed). Run as
 * root (as CI does), the server runs as the package's own user. A test without the package is
 * skipped and says which one to install.
 */
abstract class SqlServer implements AutoCloseable {
    final Path dir;
    final int port;
    private Process process;

    SqlServer(String prefix) throws IOException {
        this.dir = Files.createTempDirectory(prefix);
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = socket.getLocalPort();
        }
    }

    static PostgresServer postgres() throws IOException, InterruptedException {
        return new PostgresServer();
    }

    static MariadbServer mariadb() throws IOException, InterruptedException {
        return new MariadbServer();
    }

    /** The URL siplb.destinations.db takes, as Kamailio's db_url writes it. */
    abstract String url();

    /** Runs {@code sql} in the kamailio database with the server's client; fails on any error. */
    abstract void sql(String sql) throws IOException, InterruptedException;

    /** The command line that starts the server in the foreground. */
    abstract List<String> serverCommand();

    /** The user the server runs as when the test runs as root. */
    abstract String user();

    /** Starts the server (again) and waits until its client gets an answer. */
    void start() throws IOException, InterruptedException {
        process = new ProcessBuilder(asUser(serverCommand())).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (answers()) {
                return;
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the database server did not start: " + Files.readString(dir.resolve("server.log")));
    }

    abstract boolean answers() throws IOException, InterruptedException;

    /** Stops the server, as a database that goes down. */
    void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Kamailio's dispatcher table, from Kamailio's schema file at {@code schema} when installed, else {@code columns}. */
    void createDispatcherTable(Path schema, String columns) throws IOException, InterruptedException {
        if (Files.isRegularFile(schema)) {
            String text = Files.readString(schema);
            sql(text.substring(0, text.indexOf(';') + 1)); // the CREATE TABLE; Kamailio's version row is its own
        } else {
            sql(columns);
        }
    }

    /** {@code command} as run by {@link #user()} when the test is root, else as it is. */
    List<String> asUser(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", user(), "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Hands the directory to {@link #user()} when the test is root. */
    void own(Path path) throws IOException {
        if (isRoot()) {
            UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
            try (Stream<Path> paths = Files.walk(path)) {
                for (Path each : paths.toList()) {
                    Files.setOwner(each, users.lookupPrincipalByName(user()));
                }
            }
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Runs {@code command}; its output, or an exception with it when it fails. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process run = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!run.waitFor(60, TimeUnit.SECONDS) || run.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }

    static void skipWithout(Path program, String debianPackage) {
        if (!Files.isExecutable(program)) {
            throw new TestAbortedException(program + " is missing: apt-get install " + debianPackage);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        stop();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
