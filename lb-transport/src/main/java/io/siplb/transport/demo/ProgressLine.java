package io.siplb.transport.demo;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The demo's console: one progress line redrawn in place at the bottom, and every log line printed
 * whole above it. A log line arriving while the progress line is shown first erases the progress
 * line, is printed, then the progress line is drawn again intact — without this the two
 * interleave on a terminal (the progress line ends mid-word and the log runs on behind it).
 *
 * <p>While {@link #install()}ed, the root logger's console appenders are replaced by one that goes
 * through this class; {@link #close()} puts them back. Log lines go to the stream given for them
 * (the demo's is standard output, where siplb logs) and the progress line to standard output, both
 * written under one lock.
 */
final class ProgressLine implements AutoCloseable {
    /** Erase from the cursor to the end of the line (ECMA-48 EL). */
    private static final String ERASE = "\r\u001b[K";

    private final PrintStream out;
    private final PrintStream err;
    private final List<Appender<ILoggingEvent>> replaced = new ArrayList<>();
    private Appender<ILoggingEvent> installed;
    private String shown = "";

    ProgressLine(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Draws {@code text} as the progress line, in place of the one before. */
    synchronized void show(String text) {
        shown = text;
        out.print(ERASE + text);
        out.flush();
    }

    /** Prints {@code line} (ending in a line break or not) as whole lines above the progress line. */
    synchronized void print(PrintStream stream, String line) {
        if (!shown.isEmpty()) {
            out.print(ERASE);
            out.flush();
        }
        stream.print(line.endsWith("\n") ? line : line + "\n");
        stream.flush();
        if (!shown.isEmpty()) {
            out.print(shown);
            out.flush();
        }
    }

    /** Ends the progress line: the next output starts on a line of its own. */
    synchronized void finish() {
        if (!shown.isEmpty()) {
            out.println();
            out.flush();
            shown = "";
        }
    }

    /** Routes the root logger's console output through this line. */
    synchronized void install() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J binding: its output is its own
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        PatternLayout layout = null;
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            Appender<ILoggingEvent> appender = it.next();
            if (appender instanceof OutputStreamAppender<ILoggingEvent> console
                    && console.getEncoder() instanceof LayoutWrappingEncoder<ILoggingEvent> encoder
                    && encoder.getLayout() instanceof PatternLayout pattern) {
                layout = pattern;
                replaced.add(appender);
            }
        }
        if (layout == null) {
            return;
        }
        PatternLayout format = layout;
        AppenderBase<ILoggingEvent> through = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                print(err, format.doLayout(event));
            }
        };
        through.setContext(context);
        through.setName("siplb-demo-console");
        through.start();
        replaced.forEach(root::detachAppender);
        root.addAppender(through);
        installed = through;
    }

    @Override
    public synchronized void close() {
        finish();
        if (installed != null && LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            root.detachAppender(installed);
            replaced.forEach(root::addAppender);
            installed.stop();
            installed = null;
        }
        replaced.clear();
    }
}
