package io.siplb.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DestinationListParserTest {

    @Test
    void readsEveryColumnCommentsAndBlankLines() throws Exception {
        List<DestinationDefinition> list = DestinationListParser.parse("d.list", List.of(
                "# set  uri                       flags prio attrs",
                "",
                "1 sip:10.0.0.11:5060 0 10 duid=pbx1;weight=50;maxload=200;socket=udp:10.0.0.1:5060;ping_from=sip:lb@x;cc=1;custom=v#1",
                "   1\tsip:10.0.0.12;transport=tcp   8   # trailing comment",
                "2 sips:edge.example.com:5061 duid=e1",
                "2 sip:10.0.0.13"));
        assertThat(list).hasSize(4);
        DestinationDefinition first = list.get(0);
        assertThat(first.setId()).isEqualTo(1);
        assertThat(first.uri().host()).isEqualTo("10.0.0.11");
        assertThat(first.priority()).isEqualTo(10);
        assertThat(first.line()).isEqualTo(3);
        DestinationAttributes attrs = first.attributes();
        assertThat(attrs.duid()).isEqualTo("pbx1");
        assertThat(attrs.weight()).isEqualTo(50);
        assertThat(attrs.maxload()).isEqualTo(200);
        assertThat(attrs.socket()).isEqualTo("udp:10.0.0.1:5060");
        assertThat(attrs.pingFrom()).isEqualTo("sip:lb@x");
        assertThat(attrs.congestionControl()).isTrue();
        assertThat(attrs.others()).containsEntry("custom", "v#1");
        assertThat(list.get(1).flags()).isEqualTo(8);
        assertThat(list.get(1).initialState().letters()).isEqualTo("AP");
        assertThat(list.get(2).attributes().duid()).isEqualTo("e1");
        assertThat(list.get(2).flags()).isZero();
        assertThat(list.get(3).attributes()).isEqualTo(DestinationAttributes.NONE);
    }

    @Test
    void ordersBySetThenPriorityDescendingWithLaterLinesFirstAmongEquals() {
        Dispatcher dispatcher = Sets.dispatcher(
                "1 sip:a.example 0 5",
                "1 sip:b.example 0 10",
                "1 sip:c.example 0 5",
                "1 sip:d.example 0 0",
                "3 sip:z.example",
                "2 sip:y.example");
        assertThat(dispatcher.set(1).destinations()).extracting(d -> d.uri().host())
                .containsExactly("b.example", "c.example", "a.example", "d.example");
        assertThat(dispatcher.sets()).extracting(DestinationSet::id).containsExactly(1, 2, 3);
    }

    @Test
    void aBadLineRefusesTheWholeFileNamingFileAndLine() {
        assertFault("1 sip:a\nx sip:b", "f.list:2: set id 'x' is not a number 0..999999999");
        assertFault("1 <sip:a>", "f.list:1: invalid URI '<sip:a>' at offset 0: URI scheme must start with a letter");
        assertFault("1 tel:+123", "f.list:1: destination 'tel:+123' must be a sip: or sips: URI");
        assertFault("1 sip:a 64", "f.list:1: flags 64 has bits outside 63"
                + " (1 inactive, 2 trying, 4 disabled, 8 probing, 16 no DNS, 32 no ping)");
        assertFault("1 sip:a 0 -1", "f.list:1: priority '-1' is not a number 0..999999999");
        assertFault("1 sip:a 0 0 weight=heavy", "f.list:1: attribute weight=heavy must be an integer 0..1000000");
        assertFault("1 sip:a 0 0 rweight=101", "f.list:1: attribute rweight=101 must be an integer 0..100");
        assertFault("1 sip:a 0 0 duid=x extra", "f.list:1: unexpected field 'extra' after the attrs (attrs hold no spaces)");
        assertFault("1 sip:a\n\n1 sip:a", "f.list:3: destination sip:a is already in set 1 (line 1)");
        assertFault("1", "f.list:1: expected 'setid uri [flags [priority [attrs]]]'");
        assertFault("1 sip:a?x=y", "f.list:1: destination 'sip:a?x=y' must not carry ?headers");
    }

    @Test
    void fieldsAreSeparatedByAnyRunOfSpacesTabsAndFormFeeds() throws Exception {
        List<DestinationDefinition> list = DestinationListParser.parse("d.list", List.of(
                "\t 7 \t\f sip:10.0.0.1:5060\u000B 3\r 9   duid=x \t", " \t ", "\t# all comment"));
        assertThat(list).hasSize(1);
        assertThat(list.get(0).setId()).isEqualTo(7);
        assertThat(list.get(0).uri().text()).isEqualTo("sip:10.0.0.1:5060");
        assertThat(list.get(0).flags()).isEqualTo(3);
        assertThat(list.get(0).priority()).isEqualTo(9);
        assertThat(list.get(0).attributes().duid()).isEqualTo("x");
    }

    @Test
    void numbersAreAsciiDigitsOnly() throws Exception {
        assertFault("\u0661 sip:a", "f.list:1: set id '\u0661' is not a number 0..999999999"); // ARABIC-INDIC DIGIT ONE
        assertFault("1 sip:a 0 +5", "f.list:1: priority '+5' is not a number 0..999999999");
        assertFault("1 sip:a 0 1234567890", "f.list:1: priority '1234567890' is not a number 0..999999999");
        assertThat(DestinationListParser.parse("d.list", List.of("1 sip:a 0 999999999")).get(0).priority())
                .isEqualTo(999_999_999);
    }

    private static void assertFault(String text, String message) {
        assertThatThrownBy(() -> DestinationListParser.parse("f.list", List.of(text.split("\n"))))
                .isInstanceOf(DestinationListException.class)
                .hasMessage(message);
    }

    @Test
    void aMissingFileIsAFaultToo(@TempDir Path dir) {
        assertThatThrownBy(() -> DestinationListParser.read(dir.resolve("absent.list")))
                .isInstanceOf(DestinationListException.class)
                .hasMessageContaining("absent.list: cannot read");
    }

    @Test
    void readsAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("dispatcher.list");
        Files.writeString(file, "1 sip:10.0.0.1:5060\n1 sip:10.0.0.2:5060 0 0 weight=3\n", StandardCharsets.UTF_8);
        assertThat(DestinationListParser.read(file)).hasSize(2);
    }
}
