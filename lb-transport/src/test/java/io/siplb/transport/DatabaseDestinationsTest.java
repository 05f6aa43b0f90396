package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.siplb.core.dispatch.DestinationDefinition;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.dispatch.DestinationListParser;
import io.siplb.core.dispatch.DestinationState;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.dispatch.StateThresholds;
import io.siplb.transport.config.BalancerSettings;
import io.siplb.transport.config.ConfigLoader;
import io.siplb.transport.destinations.Destinations;
import io.siplb.transport.destinations.TableSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Destinations from Kamailio's {@code dispatcher} table in a real PostgreSQL and MariaDB (Debian's
 * servers, started here): load, reload after an added row and a changed flag (the runtime state of
 * the others kept), the database stopped at a reload (the old state stays) and at start (the copy
 * is used), bad rows named by id and column, a table without the columns, and PostgreSQL's NOTIFY.
 */
class DatabaseDestinationsTest {

    private static SqlServer server(String kind) throws Exception {
        return kind.equals("postgresql") ? SqlServer.postgres() : SqlServer.mariadb();
    }

    private static Destinations destinations(SqlServer db, Dispatcher dispatcher, String... settings) {
        List<String> sets = new ArrayList<>(List.of("siplb.destinations.db=" + db.url()));
        sets.addAll(List.of(settings));
        TableSettings table = TableSettings.from(ConfigLoader.load(null, Map.of(), sets));
        return Destinations.of(Path.of("unused.list"), table, dispatcher);
    }

    private static Dispatcher dispatcher() {
        return new Dispatcher(StateThresholds.DEFAULT, 0.9, 0);
    }

    private static List<String> uris(Dispatcher dispatcher) {
        return dispatcher.definitions().stream().map(d -> d.setId() + " " + d.uri().text() + " " + d.flags() + " "
                + d.priority() + " " + d.attributes().text()).sorted().toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void loadsReloadsAndKeepsTheStateOfUnchangedDestinations(String kind, @TempDir Path dir) throws Exception {
        try (SqlServer db = server(kind)) {
            db.sql("INSERT INTO dispatcher (setid, destination, flags, priority, attrs, description) VALUES "
                    + "(1, 'sip:127.0.0.1:5070', 0, 10, 'duid=pbx1;weight=50;custom=x', 'first'), "
                    + "(1, 'sip:127.0.0.1:5080', 0, 5, 'duid=pbx2;weight=50', ''), "
                    + "(2, 'sip:127.0.0.1:5090;transport=tcp', 8, 0, '', '')");
            Dispatcher dispatcher = dispatcher();
            Path cache = dir.resolve("dispatcher-db.list");
            try (Destinations destinations = destinations(db, dispatcher, "siplb.destinations.db-cache=" + cache)) {
                destinations.loadAtStart();
                assertThat(uris(dispatcher)).containsExactly("1 sip:127.0.0.1:5070 0 10 duid=pbx1;weight=50;custom=x",
                        "1 sip:127.0.0.1:5080 0 5 duid=pbx2;weight=50", "2 sip:127.0.0.1:5090;transport=tcp 8 0 ");
                assertThat(dispatcher.set(1).destinations().get(0).attributes().others()).containsEntry("custom", "x");
                assertThat(Files.readAllLines(cache)).contains("1 sip:127.0.0.1:5070 0 10 duid=pbx1;weight=50;custom=x");

                // an operator takes pbx1 out at run time; the table gains a row and pbx2 a flag
                dispatcher.setState(dispatcher.find(1, "sip:127.0.0.1:5070").orElseThrow(),
                        DestinationState.parse("i"));
                db.sql("INSERT INTO dispatcher (setid, destination, flags, priority, attrs) "
                        + "VALUES (1, 'sip:127.0.0.1:5075', 0, 7, 'duid=pbx3')");
                db.sql("UPDATE dispatcher SET flags = 4 WHERE destination = 'sip:127.0.0.1:5080'");
                assertThat(destinations.reload("test")).isEmpty();

                assertThat(uris(dispatcher)).contains("1 sip:127.0.0.1:5075 0 7 duid=pbx3", "1 sip:127.0.0.1:5080 4 5 duid=pbx2;weight=50");
                assertThat(state(dispatcher, "sip:127.0.0.1:5070")).startsWith("I"); // kept: an unchanged row
                assertThat(state(dispatcher, "sip:127.0.0.1:5080")).startsWith("D"); // its new flag
                assertThat(Files.readString(cache)).contains("1 sip:127.0.0.1:5075 0 7 duid=pbx3");
                assertThat(destinations.reloads()).isEqualTo(1);

                // the database goes away: a reload keeps what is in force and says why
                db.stop();
                List<String> problems = destinations.reload("test");
                assertThat(problems).singleElement().asString().startsWith(kind + " table dispatcher (");
                assertThat(uris(dispatcher)).hasSize(4);
                assertThat(destinations.unreachable()).isEqualTo(1);
            }

            // and a start without it loads the copy of the last good read
            Dispatcher restarted = dispatcher();
            try (Destinations destinations = destinations(db, restarted, "siplb.destinations.db-cache=" + cache,
                    "siplb.destinations.db-timeout=2s")) {
                destinations.loadAtStart();
                assertThat(uris(restarted)).hasSize(4).contains("1 sip:127.0.0.1:5075 0 7 duid=pbx3");
            }
            // without a copy, the start stops naming the database
            assertThatThrownBy(() -> destinations(db, dispatcher(), "siplb.destinations.db-timeout=2s").loadAtStart())
                    .isInstanceOf(DestinationListException.class).hasMessageContaining(kind + " table dispatcher");
        }
    }

    private static String state(Dispatcher dispatcher, String uri) {
        return dispatcher.find(1, uri).orElseThrow().state().letters();
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void everyBadRowIsNamedByIdAndColumnAndTheReloadRefused(String kind) throws Exception {
        try (SqlServer db = server(kind)) {
            db.sql("INSERT INTO dispatcher (id, setid, destination, flags, priority, attrs) VALUES "
                    + "(1, 1, 'sip:127.0.0.1:5070', 0, 0, ''), (2, 1, 'notauri', 0, 0, ''), "
                    + "(3, 1, 'sip:127.0.0.1:5071', 64, 0, ''), (4, 1, 'sip:127.0.0.1:5072', 0, 0, 'weight=abc'), "
                    + "(5, 1, 'sip:127.0.0.1:5070', 0, 0, ''), (6, 1, 'sip:127.0.0.1:5073', 0, 0, 'duid=a b')");
            Dispatcher dispatcher = dispatcher();
            Destinations destinations = destinations(db, dispatcher);
            assertThatThrownBy(destinations::loadAtStart).isInstanceOf(DestinationListException.class)
                    .hasMessageContaining("5 problems in postgresql table dispatcher".replace("postgresql", kind))
                    .hasMessageContaining("row id=2, column destination: invalid URI 'notauri'")
                    .hasMessageContaining("row id=3, column flags: flags 64 has bits outside 63")
                    .hasMessageContaining("row id=4, column attrs: attribute weight=abc must be an integer")
                    .hasMessageContaining("row id=5, column destination: sip:127.0.0.1:5070 is already in set 1 (row id=1)")
                    .hasMessageContaining("row id=6, column attrs: 'duid=a b' holds white space");
            assertThat(dispatcher.definitions()).isEmpty();
            destinations.close();
        }
    }

    @Test
    void aTableWithoutTheColumnsIsNamedAndNotUnreachable() throws Exception {
        try (SqlServer db = SqlServer.postgres()) {
            Destinations destinations = destinations(db, dispatcher(), "siplb.destinations.column.attrs=attributes",
                    "siplb.destinations.db-cache=/nonexistent/cache.list");
            assertThatThrownBy(destinations::loadAtStart).isInstanceOf(DestinationListException.class)
                    .hasMessageContaining("attributes").hasMessageContaining("(the columns read: id, setid, destination, "
                            + "flags, priority, attributes)");
        }
    }

    @Test
    void aNotifyReloadsWithinASecondAndABalancerServesFromTheTable() throws Exception {
        try (SqlServer db = SqlServer.postgres()) {
            db.sql("INSERT INTO dispatcher (setid, destination, flags, priority, attrs) VALUES (1, 'sip:127.0.0.1:5070', 0, 0, '')");
            db.sql("CREATE FUNCTION dispatcher_changed() RETURNS trigger AS $$ BEGIN PERFORM pg_notify('dispatcher', ''); "
                    + "RETURN NULL; END; $$ LANGUAGE plpgsql; CREATE TRIGGER dispatcher_changed AFTER INSERT OR UPDATE "
                    + "OR DELETE ON dispatcher FOR EACH STATEMENT EXECUTE FUNCTION dispatcher_changed();");
            try (LoopbackBalancer lb = new LoopbackBalancer(List.of(), "siplb.destinations.db=" + db.url(),
                    "siplb.destinations.db-notify=dispatcher")) {
                assertThat(lb.balancer.destinations().describe()).startsWith("postgresql table dispatcher");
                assertThat(lb.balancer.dispatcher().definitions()).extracting(d -> d.uri().text())
                        .containsExactly("sip:127.0.0.1:5070");
                Thread.sleep(500); // LISTEN is in place once the balancer has started; give it a moment
                long before = System.nanoTime();
                db.sql("INSERT INTO dispatcher (setid, destination, flags, priority, attrs) VALUES (1, 'sip:127.0.0.1:5071', 0, 0, '')");
                await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() ->
                        lb.balancer.dispatcher().definitions().size() == 2);
                System.out.printf("NOTIFY to reloaded: %.0f ms%n", (System.nanoTime() - before) / 1e6);
            }
        }
    }

    @Test
    void badSettingsStopStartUpNamingKeyValueAndRule() {
        assertThatThrownBy(() -> BalancerSettings.from(ConfigLoader.load(null, Map.of(),
                List.of("siplb.destinations.db=oracle://x@h/db")), () -> null))
                .hasMessageStartingWith("siplb.destinations.db=oracle://x@h/db: must be postgres://");
        assertThatThrownBy(() -> TableSettings.from(ConfigLoader.load(null, Map.of(),
                List.of("siplb.destinations.db=postgres://u:secret@h/db", "siplb.destinations.table=dispatcher;drop"))))
                .hasMessageStartingWith("siplb.destinations.table=dispatcher;drop: must be a table or column name");
        assertThatThrownBy(() -> TableSettings.from(ConfigLoader.load(null, Map.of(),
                List.of("siplb.destinations.db=mysql://u@h/db", "siplb.destinations.db-notify=x"))))
                .hasMessageContaining("LISTEN/NOTIFY is PostgreSQL's");
        assertThatThrownBy(() -> TableSettings.from(ConfigLoader.load(null, Map.of(),
                List.of("siplb.destinations.db=postgres://u:secret@/db"))))
                .hasMessage("siplb.destinations.db=postgres://u:***@/db: needs a host and a database: postgres://USER@HOST[:PORT]/DATABASE");
        TableSettings table = TableSettings.from(ConfigLoader.load(null, Map.of(),
                List.of("siplb.destinations.db=postgres://kamailio:secret@db.example:5433/kamailio")));
        assertThat(table.describe()).isEqualTo("postgresql table dispatcher (postgres://kamailio:***@db.example:5433/kamailio)");
    }

    /** The definitions a list line reads back as: the copy is a list file. */
    @Test
    void theCopyReadsBackAsTheSameDestinations(@TempDir Path dir) throws Exception {
        List<DestinationDefinition> read = DestinationListParser.parse("x",
                List.of("1 sip:127.0.0.1:5070;transport=tcp 8 3 duid=a;weight=5;x=y", "2 sips:h.example 0 0"));
        Path copy = dir.resolve("copy.list");
        Files.write(copy, read.stream().map(DestinationListParser::line).toList());
        assertThat(DestinationListParser.read(copy)).usingRecursiveFieldByFieldElementComparatorIgnoringFields("line")
                .isEqualTo(read);
    }
}
