package io.siplb.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.opentest4j.TestAbortedException;

/**
 * Runs one of the load scripts ({@code lb-benchmarks/sipp/*.py}) against the jar the reactor
 * built, and hands back what it printed; a tool the machine lacks skips the test, naming the
 * Debian package.
 */
final class ScriptRun {
    static final Path MODULE = Path.of("").toAbsolutePath();
    static final Path JAR = MODULE.resolveSibling("lb-transport").resolve("target").resolve("siplb.jar");

    private ScriptRun() {
    }

    /** Skips unless {@code command} is on the PATH ({@code package} installs it). */
    static void need(String command, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return;
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return;
            }
        }
        throw new TestAbortedException(command + " is not installed (apt-get install " + debianPackage + "): skipped");
    }

    /** Skips unless this runs as root (network namespaces and nftables need it). */
    static void needRoot() {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new TestAbortedException("needs root for ip netns and nft: skipped");
        }
    }

    /** Runs {@code script} with {@code args}; its whole output, after it ended within {@code seconds}. */
    static String run(String script, int seconds, String... args) throws IOException, InterruptedException {
        if (!Files.isRegularFile(JAR)) {
            throw new AssertionError(JAR + " is missing: lb-transport's package phase should have built it");
        }
        List<String> command = new ArrayList<>(List.of("python3", MODULE.resolve("sipp").resolve(script).toString(),
                "--jar", JAR.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("siplb-script-", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
                throw new AssertionError(script + " did not end within " + seconds + " s:\n" + Files.readString(out));
            }
            String printed = Files.readString(out, StandardCharsets.UTF_8);
            System.out.println(script + " " + String.join(" ", args) + ":\n" + printed); // the figures, in the test's log
            if (process.exitValue() != 0) {
                throw new AssertionError(script + " exited " + process.exitValue() + ":\n" + printed);
            }
            return printed;
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
