package io.siplb.transport.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.siplb.core.config.ConfigValues;
import java.util.Map;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/**
 * Chooses how log lines are written, once the configuration is read: {@code siplb.log.format=json}
 * gives one JSON object a line (Logstash's encoder: {@code @timestamp}, {@code message},
 * {@code logger_name}, {@code thread_name}, {@code level}, and each SLF4J key-value pair — the call
 * log's {@code method}, {@code callId}, {@code peer}, {@code route}, {@code tried}, {@code status}, {@code ms} — as
 * a field of its own); otherwise text, with a time of its own unless journald receives the output
 * (systemd sets {@code JOURNAL_STREAM} for a service whose output goes to the journal, and the
 * journal stamps each line). The encoder of the shipped {@code logback.xml}'s {@code console}
 * appender is the one replaced; a configuration of the operator's own
 * ({@code -Dlogback.configurationFile}) is left as it is.
 */
final class LogSetup {
    private LogSetup() {
    }

    /** How to write: {@code json}, {@code journal} (text without the time) or {@code text}. */
    static String format(ConfigValues config, Map<String, String> environment) {
        if (config.oneOf("siplb.log.format", "text", "json").equals("json")) {
            return "json";
        }
        return environment.containsKey("JOURNAL_STREAM") ? "journal" : "text";
    }

    /** Gives the console appender the encoder {@link #format} chooses. */
    static void apply(ConfigValues config, Map<String, String> environment) {
        String format = format(config, environment);
        if (format.equals("text") || System.getProperty("logback.configurationFile") != null
                || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        if (!(root.getAppender("console") instanceof OutputStreamAppender<ILoggingEvent> console)) {
            return;
        }
        Encoder<ILoggingEvent> encoder;
        if (format.equals("json")) {
            LogstashEncoder json = new LogstashEncoder();
            json.getFieldNames().setVersion("[ignore]");
            json.getFieldNames().setLevelValue("[ignore]");
            encoder = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern("%-5level %logger{24} - %msg%n");
            encoder = text;
        }
        encoder.setContext(context);
        encoder.start();
        console.stop();
        console.setEncoder(encoder);
        console.start();
    }
}
