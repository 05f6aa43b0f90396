package io.siplb.transport.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.siplb.core.config.ConfigValues;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** How log lines are written: JSON objects with the call log's fields, or text without a time under journald. */
class LogSetupTest {

    @Test
    void choosesJsonByTheKeyAndDropsTheTimeUnderJournald() {
        ConfigValues json = ConfigValues.defaults().with(Map.of("siplb.log.format", "json"));
        assertThat(LogSetup.format(json, Map.of())).isEqualTo("json");
        assertThat(LogSetup.format(json, Map.of("JOURNAL_STREAM", "8:1234"))).isEqualTo("json");
        assertThat(LogSetup.format(ConfigValues.defaults(), Map.of("JOURNAL_STREAM", "8:1234"))).isEqualTo("journal");
        assertThat(LogSetup.format(ConfigValues.defaults(), Map.of())).isEqualTo("text");
    }

    @Test
    void jsonLinesCarryTheCallLogsKeyValuePairsAsFields() throws Exception {
        String out = written(ConfigValues.defaults().with(Map.of("siplb.log.format", "json")), Map.of(), () ->
                LoggerFactory.getLogger("io.siplb.calls").atInfo().setMessage("INVITE c1@host final 200")
                        .addKeyValue("callId", "c1@host").addKeyValue("peer", "127.0.0.1:5060/udp")
                        .addKeyValue("route", "default").addKeyValue("status", 200).log());
        JsonNode line = new ObjectMapper().readTree(out.lines().filter(l -> l.contains("c1@host")).findFirst().orElseThrow());
        assertThat(line.get("level").asText()).isEqualTo("INFO");
        assertThat(line.get("logger_name").asText()).isEqualTo("io.siplb.calls");
        assertThat(line.get("message").asText()).isEqualTo("INVITE c1@host final 200");
        assertThat(line.get("callId").asText()).isEqualTo("c1@host");
        assertThat(line.get("peer").asText()).isEqualTo("127.0.0.1:5060/udp");
        assertThat(line.get("route").asText()).isEqualTo("default");
        assertThat(line.get("status").asInt()).isEqualTo(200);
        assertThat(line.has("@timestamp")).isTrue();
    }

    @Test
    void underJournaldTextLinesHaveNoTimeOfTheirOwn() {
        String out = written(ConfigValues.defaults(), Map.of("JOURNAL_STREAM", "8:1234"), () ->
                LoggerFactory.getLogger("io.siplb.test").info("a line"));
        assertThat(out).contains("INFO  io.siplb.test - a line").doesNotContainPattern("\\d\\d:\\d\\d:\\d\\d");
    }

    /** What logging writes to standard output while {@code action} runs with {@code config}'s format. */
    private static String written(ConfigValues config, Map<String, String> environment, Runnable action) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        @SuppressWarnings("unchecked")
        OutputStreamAppender<ILoggingEvent> console = (OutputStreamAppender<ILoggingEvent>)
                context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("console");
        assertThat(console).as("the console appender of the test logging configuration").isNotNull();
        Encoder<ILoggingEvent> original = console.getEncoder();
        PrintStream stdout = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            LogSetup.apply(config, environment);
            action.run();
        } finally {
            System.setOut(stdout);
            console.stop();
            console.setEncoder(original);
            console.start();
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
