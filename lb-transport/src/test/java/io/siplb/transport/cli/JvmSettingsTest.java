package io.siplb.transport.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class JvmSettingsTest {
    @Test
    void aBareJavaDashJarLacksThePauseTargetAndTheFixedHeap() {
        assertThat(JvmSettings.missing(List.of())).isEqualTo("-XX:MaxGCPauseMillis=20 -Xmx512m -Xms512m");
        assertThat(JvmSettings.missing(List.of("-Xmx2g", "-Xms2g", "-XX:MaxGCPauseMillis=50"))).isEmpty();
    }

    @Test
    void binSiplbPassesWhatTheWarningAsksFor() throws Exception {
        String launcher = Files.readString(Path.of("..", "bin", "siplb"));
        String opts = launcher.lines().filter(line -> line.startsWith("opts=")).findFirst().orElseThrow();
        assertThat(JvmSettings.missing(List.of(opts.substring(opts.indexOf('"') + 1, opts.lastIndexOf('"'))
                .split(" ")))).isEmpty();
        for (String option : JvmSettings.RECOMMENDED.split(" ")) {
            assertThat(opts).contains(option);
        }
    }
}
