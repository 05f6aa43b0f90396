package io.siplb.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ListChangeTest {

    private static List<DestinationDefinition> list(String... lines) throws DestinationListException {
        return DestinationListParser.parse("t.list", List.of(lines));
    }

    @Test
    void theSameDestinationsOnOtherLinesAreNoChange() throws Exception {
        ListChange change = ListChange.between(list("1 sip:a 0 0 duid=x", "2 sip:b"), list("", "2 sip:b", "1 sip:a 0 0 duid=x"));
        assertThat(change.none()).isTrue();
    }

    @Test
    void namesWhatWasAddedAndRemovedSortedAndSeesAnEditedColumn() throws Exception {
        ListChange change = ListChange.between(list("1 sip:c", "1 sip:a", "2 sip:b 8"), list("2 sip:b 8", "1 sip:e", "1 sip:d"));
        assertThat(change.added()).containsExactly("1 sip:d", "1 sip:e");
        assertThat(change.removed()).containsExactly("1 sip:a", "1 sip:c");
        assertThat(change.edited()).isFalse();
        assertThat(change.none()).isFalse();
        assertThat(ListChange.between(list("2 sip:b 8"), list("2 sip:b 0")).edited()).isTrue();
        assertThat(ListChange.between(list("2 sip:b 8 1"), list("2 sip:b 8 2")).edited()).isTrue();
        assertThat(ListChange.between(list("2 sip:b 8 1 weight=1"), list("2 sip:b 8 1 weight=2")).edited()).isTrue();
        assertThat(ListChange.between(list("2 sip:b 8 1 weight=1"), list("2 sip:b 8 1 weight=2")).added()).isEmpty();
        assertThat(ListChange.between(list("1 sip:b"), list("2 sip:b")).added()).containsExactly("2 sip:b");
    }
}
