package io.siplb.core.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UriTest {

    @Test
    void sipUriWithEveryComponent() {
        SipUri uri = (SipUri) Uri.parse("sip:alice:secret@atlanta.com:5070;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent");
        assertThat(uri.secure()).isFalse();
        assertThat(uri.user()).isEqualTo("alice");
        assertThat(uri.password()).isEqualTo("secret");
        assertThat(uri.host()).isEqualTo("atlanta.com");
        assertThat(uri.port()).isEqualTo(5070);
        assertThat(uri.transport()).isEqualTo("tcp");
        assertThat(uri.looseRouting()).isTrue();
        assertThat(uri.parameter("maddr")).isEqualTo("239.255.255.1");
        assertThat(uri.headers()).isEqualTo("subject=project%20x&priority=urgent");
        assertThat(uri.text()).startsWith("sip:alice:secret@");
    }

    @Test
    void sipsAndHostOnlyForms() {
        SipUri sips = (SipUri) Uri.parse("SIPS:biloxi.com");
        assertThat(sips.secure()).isTrue();
        assertThat(sips.scheme()).isEqualTo("sips");
        assertThat(sips.user()).isNull();
        assertThat(sips.port()).isEqualTo(-1);
        SipUri v4 = (SipUri) Uri.parse("sip:192.0.2.4");
        assertThat(v4.host()).isEqualTo("192.0.2.4");
        SipUri v6 = (SipUri) Uri.parse("sip:[2001:db8::1]:5060;lr");
        assertThat(v6.host()).isEqualTo("[2001:db8::1]");
        assertThat(v6.port()).isEqualTo(5060);
    }

    @Test
    void telephoneSubscriberInTheUserPart() {
        SipUri uri = (SipUri) Uri.parse("sip:+1-212-555-1212:1234@gateway.com;user=phone");
        assertThat(uri.user()).isEqualTo("+1-212-555-1212");
        assertThat(uri.password()).isEqualTo("1234");
        assertThat(uri.parameter("user")).isEqualTo("phone");
    }

    @Test
    void telUri() {
        TelUri tel = (TelUri) Uri.parse("tel:+1-201-555-0123;ext=22");
        assertThat(tel.global()).isTrue();
        assertThat(tel.number()).isEqualTo("+1-201-555-0123");
        assertThat(tel.parameters()).containsExactly(new Parameter("ext", "22"));
        assertThat(((TelUri) Uri.parse("tel:7042;phone-context=example.com")).global()).isFalse();
    }

    @Test
    void otherSchemesAreKeptOpaque() {
        Uri uri = Uri.parse("mailto:watson@bell-telephone.com");
        assertThat(uri).isEqualTo(new AbsoluteUri("mailto", "mailto:watson@bell-telephone.com"));
    }

    @Test
    void unescapeDecodesOnceAsUtf8() {
        assertThat(UriParser.unescape("n%61me%25%34%31")).isEqualTo("name%41");
        assertThat(UriParser.unescape("%E2%82%AC")).isEqualTo("\u20ac");
        assertThat(UriParser.unescape("plain")).isEqualTo("plain");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "sip:", "sip:user@", "sip:user@host:99999", "sip:user@host:port",
        "sip:us er@host", "<sip:user@host>", "sip:user@host;", "sip:user@host;=x", "sip:%zz@host",
        "sip:user@[::1", "sip:@host", "tel:", "tel:12g;x", "1sip:x", "nocolon", "sip:user@-host",
        "sip:user@host?x=\"y\"", "sip:user@host\u00e9"})
    void malformedUrisAreRejectedWithAReason(String text) {
        assertThat(Uri.tryParse(text)).isEmpty();
        assertThatThrownBy(() -> Uri.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid URI '" + text + "' at offset ");
    }
}
