package io.siplb.transport.config;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.dispatch.CallLoad;
import io.siplb.core.dispatch.DestinationDefinition;
import io.siplb.core.dispatch.FailoverSettings;
import io.siplb.core.route.Router;
import io.siplb.core.route.Routes;
import io.siplb.transport.capture.HepSettings;
import io.siplb.transport.cluster.ClusterSettings;
import io.siplb.transport.destinations.DestinationSource;
import io.siplb.transport.destinations.DispatcherTable;
import io.siplb.transport.destinations.ListFile;
import io.siplb.transport.destinations.TableSettings;
import io.siplb.transport.dns.DnsSettings;
import io.siplb.transport.probe.ProbeSettings;
import io.siplb.transport.protect.ProtectSettings;
import io.siplb.transport.stream.StreamSettings;
import io.siplb.transport.stream.TlsContexts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * {@code siplb check}: reads the configuration as start-up would — the properties, the
 * destination list, the routes, the TLS certificate and key — without binding or starting
 * anything, and reports every problem rather than the first. A bad integer, duration or choice is
 * reported and its default read in its place ({@link ConfigValues#collecting}), so that the keys
 * after it are still checked (a part's own rules — a URL, a listen address — end that part); each part (listeners, proxy, transports, probes, protection, DNS, cluster, capture,
 * routes) is checked on its own, so that a fault in one does not hide those of the others.
 *
 * <p>Problems read {@code FILE:LINE: key=value: rule} when the value came from that line of the
 * properties file, {@code LIST:LINE: what is wrong} for the destination list, and
 * {@code key=value: rule} otherwise. With {@code siplb.destinations.db}, the table is read (a check
 * is how to see that siplb can reach it), each bad row named by its id and column.
 */
public final class ConfigCheck {
    private final Path file;
    private final Map<String, Integer> lines;
    private final Set<String> overridden = new HashSet<>();
    private final Set<String> problems = new LinkedHashSet<>();
    /** What is worth saying though it would not stop a start. */
    private final List<String> notes = new ArrayList<>();

    private ConfigCheck(Path file, Map<String, String> environment, List<String> sets) {
        this.file = file;
        this.lines = file != null ? ConfigLoader.lines(file) : Map.of();
        for (String key : ConfigKeys.DEFAULTS.keySet()) {
            if (environment.containsKey(ConfigKeys.environmentName(key))) {
                overridden.add(key);
            }
        }
        for (String set : sets) {
            int eq = set.indexOf('=');
            overridden.add(eq > 0 ? set.substring(0, eq).trim() : set);
        }
    }

    /**
     * What {@code siplb check} found.
     *
     * @param problems each problem, one line each, in the order found; empty when all is well
     * @param summary what was read, for the line printed when all is well
     * @param notes what would not stop a start but is worth saying (a database read from its copy)
     */
    public record Result(List<String> problems, String summary, List<String> notes) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /** Checks the configuration that {@code --config file} with these variables and {@code --set}s gives. */
    public static Result check(Path file, Map<String, String> environment, List<String> sets) {
        ConfigCheck check;
        try {
            check = new ConfigCheck(file, environment, sets);
        } catch (ConfigException unreadable) {
            return new Result(List.of(unreadable.getMessage()), "", List.of());
        }
        return check.run(file, environment, sets);
    }

    private Result run(Path file, Map<String, String> environment, List<String> sets) {
        ConfigValues config;
        try {
            config = ConfigLoader.load(file, environment, sets, this::report).collecting(this::report);
        } catch (ConfigException unreadable) {
            return new Result(List.of(unreadable.getMessage()), "", List.of());
        }
        BalancerSettings settings = part(() -> BalancerSettings.from(config, () -> config));
        List<ListenAddress> listen = part(() -> ListenAddress.parseAll(config.string("siplb.listen")));
        StreamSettings streams = part(() -> StreamSettings.from(config, FailoverSettings.from(config).timeout()));
        part(() -> BalancerSettings.percent(config, "siplb.dispatch.panic-threshold"));
        part(() -> BalancerSettings.admin(config));
        part(() -> config.oneOf("siplb.log.format", "text", "json"));
        part(() -> ProbeSettings.from(config));
        part(() -> ProtectSettings.from(config));
        part(() -> DnsSettings.from(config));
        part(() -> ClusterSettings.from(config, listen != null ? listen.get(0).port() : 5060));
        HepSettings hep = part(() -> HepSettings.from(config));
        TableSettings table = part(() -> TableSettings.from(config));
        boolean fromTable = !config.string("siplb.destinations.db").isEmpty();
        DestinationSource source = table != null ? new DispatcherTable(table)
                : new ListFile(Path.of(config.string("siplb.destinations.file")));
        // table settings that do not read (reported above) leave no source to check
        List<DestinationDefinition> destinations = fromTable && table == null ? List.of() : destinations(source, table);
        Set<Integer> setIds = new TreeSet<>();
        destinations.forEach(d -> setIds.add(d.setId()));
        boolean setsKnown = !(fromTable && table == null);
        Router router = part(() -> Routes.from(config, setsKnown ? setIds::contains : id -> true, new CallLoad(),
                new ConcurrentHashMap<>()));
        if (router != null && hep != null) {
            part(() -> {
                hep.checkRoutes(router.names());
                return hep;
            });
        }
        if (streams != null) {
            checkTls(listen, streams);
        }
        String summary = destinations.size() + " destinations in " + setIds.size() + " sets from " + source.describe()
                + (router != null ? ", " + router.names().size() + " routes" : "")
                + (settings != null ? ", " + settings.listen().size() + " listeners" : "");
        return new Result(List.copyOf(problems), summary, List.copyOf(notes));
    }

    /**
     * The destinations {@code source} holds, each bad line or row a problem. A table that does not
     * answer is no problem when its copy reads well (a start would use the copy; said in {@link #notes}).
     */
    private List<DestinationDefinition> destinations(DestinationSource source, TableSettings table) {
        DestinationSource.Read read = source.read();
        if (read.unreachable() && table != null && table.cache() != null && Files.isRegularFile(table.cache())) {
            DestinationSource.Read copy = new ListFile(table.cache()).read();
            if (copy.ok()) {
                notes.add(read.problems().get(0) + "; a start now would use its copy " + table.cache());
                return copy.definitions();
            }
        }
        problems.addAll(read.problems());
        return read.definitions();
    }

    private void checkTls(List<ListenAddress> listen, StreamSettings streams) {
        if (streams.certificate() != null) {
            part(() -> new TlsContexts(streams));
        } else if (listen != null) {
            listen.stream().filter(address -> address.kind().secure()).forEach(address -> problems.add(
                    new ConfigException("siplb.tls.certificate", "", "a certificate and key are needed for the listener "
                            + address.text()).getMessage()));
        }
    }

    /** Builds one part; a problem it throws is reported and the part is {@code null}. */
    private <T> T part(Supplier<T> build) {
        try {
            return build.get();
        } catch (ConfigException e) {
            report(e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            problems.add(e.getMessage());
        }
        return null;
    }

    private void report(ConfigException problem) {
        Integer line = lines.get(problem.key());
        problems.add(line != null && !overridden.contains(problem.key())
                ? file + ":" + line + ": " + problem.getMessage()
                : problem.getMessage());
    }
}
