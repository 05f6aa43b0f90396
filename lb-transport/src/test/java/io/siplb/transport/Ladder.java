package io.siplb.transport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** siplb's message log at debug level ({@code io.siplb.messages}), captured for a test's ladder. */
final class Ladder extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger("io.siplb.messages");
    private final Level before = logger.getLevel();

    Ladder() {
        setContext(logger.getLoggerContext());
        start();
        logger.addAppender(this);
        logger.setLevel(Level.DEBUG);
    }

    @Override
    protected void append(ILoggingEvent event) {
        lines.add(event.getFormattedMessage());
    }

    void write(Path file) throws IOException {
        Files.write(file, lines);
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        logger.setLevel(before);
        stop();
    }
}
