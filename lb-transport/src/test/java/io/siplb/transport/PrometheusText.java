package io.siplb.transport;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4 (no Java library parses it):
 * {@code # HELP}/{@code # TYPE} lines, samples {@code name{label="value",…} value [timestamp]}
 * with escaped label values. Anything else is an error, so a malformed scrape fails the test.
 */
final class PrometheusText {
    record Sample(String name, Map<String, String> labels, double value) {
    }

    final List<Sample> samples = new ArrayList<>();
    final Map<String, String> types = new HashMap<>();

    static PrometheusText parse(String text) {
        PrometheusText parsed = new PrometheusText();
        int lineNumber = 0;
        for (String line : text.split("\n")) {
            lineNumber++;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                if (parts.length != 2 || !parts[1].matches("counter|gauge|histogram|summary|untyped")) {
                    throw new IllegalArgumentException(lineNumber + ": bad TYPE line: " + line);
                }
                parsed.types.put(parts[0], parts[1]);
            } else if (line.startsWith("#")) {
                continue; // HELP and comments
            } else {
                parsed.samples.add(sample(line, lineNumber));
            }
        }
        return parsed;
    }

    private static Sample sample(String line, int lineNumber) {
        int i = 0;
        while (i < line.length() && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_'
                || line.charAt(i) == ':')) {
            i++;
        }
        if (i == 0 || Character.isDigit(line.charAt(0))) {
            throw new IllegalArgumentException(lineNumber + ": bad metric name: " + line);
        }
        String name = line.substring(0, i);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = line.substring(i, eq);
                if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*") || line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException(lineNumber + ": bad label: " + line);
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                    j++;
                }
                labels.put(label, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new IllegalArgumentException(lineNumber + ": no value: " + line);
        }
        String[] rest = line.substring(i + 1).trim().split(" ");
        double value = switch (rest[0]) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(rest[0]);
        };
        return new Sample(name, labels, value);
    }

    /** The value of the sample {@code name} with exactly these labels among its own. */
    double value(String name, String... labelPairs) {
        for (Sample sample : samples) {
            if (!sample.name().equals(name)) {
                continue;
            }
            boolean match = true;
            for (int k = 0; k < labelPairs.length; k += 2) {
                match &= labelPairs[k + 1].equals(sample.labels().get(labelPairs[k]));
            }
            if (match) {
                return sample.value();
            }
        }
        throw new AssertionError("no sample " + name + " " + List.of(labelPairs));
    }

    boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }
}
