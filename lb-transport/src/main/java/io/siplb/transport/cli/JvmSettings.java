package io.siplb.transport.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM settings siplb is measured and documented with, as {@code bin/siplb} passes them: a fixed
 * heap ({@code -Xms512m -Xmx512m}), G1 with a 20 ms pause target, the heap committed at start.
 * A plain {@code java -jar} gets G1's 200 ms target and a heap of a quarter of the machine, whose
 * young collections paused the loops for 100-230 ms under load; the balancer warns at start when
 * it runs without them.
 */
final class JvmSettings {
    /** The heap and collector options bin/siplb passes (its opts line), named in the warning. */
    static final String RECOMMENDED = "-Xms512m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+AlwaysPreTouch";

    private JvmSettings() {
    }

    /** The recommended options {@code arguments} (the JVM's input arguments) lack, space-separated; empty when none. */
    static String missing(List<String> arguments) {
        List<String> missing = new ArrayList<>();
        if (arguments.stream().noneMatch(a -> a.startsWith("-XX:MaxGCPauseMillis="))) {
            missing.add("-XX:MaxGCPauseMillis=20");
        }
        if (arguments.stream().noneMatch(a -> a.startsWith("-Xmx") || a.startsWith("-XX:MaxHeapSize="))) {
            missing.add("-Xmx512m");
        }
        if (arguments.stream().noneMatch(a -> a.startsWith("-Xms") || a.startsWith("-XX:InitialHeapSize="))) {
            missing.add("-Xms512m");
        }
        return String.join(" ", missing);
    }
}
