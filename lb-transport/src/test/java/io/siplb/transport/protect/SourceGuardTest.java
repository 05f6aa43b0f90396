package io.siplb.transport.protect;

import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.route.Cidr;
import io.siplb.transport.protect.SourceGuard.Reason;
import io.siplb.transport.protect.SourceGuard.Verdict;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The limiter on a clock the test moves: exact thresholds, windows and ban expiry. */
class SourceGuardTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private static final InetSocketAddress A = address("192.0.2.1");
    private static final InetSocketAddress B = address("192.0.2.2");

    private static InetSocketAddress address(String literal) {
        return new InetSocketAddress(literal, 5060); // a literal: no lookup
    }

    private SourceGuard guard(int rate, int authFailures, boolean banDialogs, int maxSources, String... trusted) {
        List<Cidr> blocks = Arrays.stream(trusted).map(Cidr::parse).toList();
        return new SourceGuard(new ProtectSettings(rate, Duration.ofSeconds(1), Duration.ofSeconds(60), blocks,
                List.of("friendly-scanner", "sipvicious"), authFailures, banDialogs, maxSources), now::get);
    }

    private void advance(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void theRequestAboveTheRateInOneWindowBansTheSourceAndOthersAreUntouched() {
        SourceGuard guard = guard(10, 0, true, 1000);
        for (int i = 0; i < 10; i++) {
            assertThat(guard.admit(A, true)).isEqualTo(Verdict.PASS);
        }
        assertThat(guard.admit(B, true)).isEqualTo(Verdict.PASS);
        assertThat(guard.admit(A, true)).isEqualTo(Verdict.DROP); // the 11th within the second
        assertThat(guard.dropped(Reason.RATE)).isEqualTo(1);
        assertThat(guard.admit(A, false)).isEqualTo(Verdict.DROP); // banned: responses too
        assertThat(guard.dropped(Reason.BANNED)).isEqualTo(1);
        assertThat(guard.bans()).singleElement().satisfies(ban -> {
            assertThat(ban.source()).isEqualTo(A.getAddress());
            assertThat(ban.reason()).isEqualTo(Reason.RATE);
        });
        assertThat(guard.admit(B, true)).isEqualTo(Verdict.PASS);
    }

    @Test
    void aNewWindowStartsTheCountAgain() {
        SourceGuard guard = guard(10, 0, true, 1000);
        for (int i = 0; i < 10; i++) {
            guard.admit(A, true);
        }
        advance(1000);
        for (int i = 0; i < 10; i++) {
            assertThat(guard.admit(A, true)).isEqualTo(Verdict.PASS);
        }
        assertThat(guard.bansIssued()).isZero();
    }

    @Test
    void aBanLastsExactlyItsDurationAndCanBeLifted() {
        SourceGuard guard = guard(1, 0, true, 1000);
        guard.admit(A, true);
        guard.admit(A, true); // banned now, for 60 s
        advance(59_999);
        assertThat(guard.admit(A, true)).isEqualTo(Verdict.DROP);
        advance(1);
        assertThat(guard.admit(A, true)).isEqualTo(Verdict.PASS);
        guard.admit(A, true); // over the rate again
        assertThat(guard.unban(A.getAddress())).isTrue();
        assertThat(guard.admit(A, true)).isEqualTo(Verdict.PASS);
        assertThat(guard.unban(B.getAddress())).isFalse();
    }

    @Test
    void withoutBanDialogsABannedSourcesRequestsGoToTheDialogCheck() {
        SourceGuard guard = guard(1, 0, false, 1000);
        guard.admit(A, true);
        guard.admit(A, true);
        assertThat(guard.admit(A, true)).isEqualTo(Verdict.DIALOGS_ONLY);
        assertThat(guard.admit(A, false)).isEqualTo(Verdict.DROP);
    }

    @Test
    void trustedBlocksAndDestinationsAreNeverLimited() {
        SourceGuard guard = guard(1, 1, true, 1000, "192.0.2.0/31");
        InetSocketAddress destination = address("198.51.100.9");
        guard.destinations(destination::equals);
        InetSocketAddress sameHostOtherPort = new InetSocketAddress("198.51.100.9", 5999);
        for (int i = 0; i < 100; i++) {
            assertThat(guard.admit(A, true)).isEqualTo(Verdict.PASS);
            assertThat(guard.admit(destination, true)).isEqualTo(Verdict.PASS);
            guard.answered(A, 401);
        }
        assertThat(guard.scanner(A, "friendly-scanner")).isFalse();
        assertThat(guard.bansIssued()).isZero();
        assertThat(guard.scanner(sameHostOtherPort, "friendly-scanner")).isTrue(); // not the destination itself
    }

    @Test
    void aScannerUserAgentBansAtOnce() {
        SourceGuard guard = guard(0, 0, true, 1000);
        assertThat(guard.scanner(A, "Linphone/5.0")).isFalse();
        assertThat(guard.scanner(A, null)).isFalse();
        assertThat(guard.scanner(A, "Friendly-Scanner 1.8")).isTrue();
        assertThat(guard.admit(A, true)).isEqualTo(Verdict.DROP);
        assertThat(guard.bans()).extracting(SourceGuard.Ban::reason).containsExactly(Reason.SCANNER);
    }

    @Test
    void moreAuthFailuresThanAllowedWithinTheWindowBan() {
        SourceGuard guard = guard(0, 3, true, 1000);
        for (int i = 0; i < 3; i++) {
            guard.answered(A, i % 2 == 0 ? 401 : 407);
        }
        guard.answered(A, 200);
        guard.answered(A, 404);
        assertThat(guard.admit(A, true)).isEqualTo(Verdict.PASS);
        guard.answered(A, 403); // the fourth
        assertThat(guard.admit(A, true)).isEqualTo(Verdict.DROP);
        assertThat(guard.bans()).extracting(SourceGuard.Ban::reason).containsExactly(Reason.AUTH_FAILURES);
    }

    @Test
    void aSpoofedFloodFromManySourcesStaysWithinTheTableSize() {
        SourceGuard guard = guard(5, 0, true, 1000);
        for (int i = 0; i < 100_000; i++) {
            guard.admit(address("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255)), true);
        }
        assertThat(guard.trackedSources()).isLessThanOrEqualTo(1000);
        assertThat(guard.admit(B, true)).isEqualTo(Verdict.PASS);
    }
}
