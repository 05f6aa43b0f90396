package io.siplb.core.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TransactionTableTest {

    /** A transaction that is live until {@code done} is set. */
    private static final class Tx {
        boolean done;
    }

    private final AtomicLong nanos = new AtomicLong();
    private final TransactionTable<Tx> table = new TransactionTable<>(nanos::get, 100, Duration.ofSeconds(32), t -> t.done);

    private static TransactionKey key(int i) {
        return TransactionKey.client("z9hG4bK" + i, "INVITE");
    }

    @Test
    void liveTransactionsOutlastTheLingerAndTheBound() {
        for (int i = 0; i < 1000; i++) {
            table.put(key(i), new Tx());
        }
        nanos.addAndGet(TimeUnit.MINUTES.toNanos(10));
        table.cleanUp();
        assertThat(table.size()).isEqualTo(1000);
        assertThat(table.getIfPresent(key(999))).isNotNull();
    }

    @Test
    void aFinishedTransactionMovesToTheLingerAndExpiresAfterIt() {
        Tx tx = new Tx();
        table.put(key(1), tx);
        tx.done = true;
        table.put(key(1), tx);
        assertThat(table.size()).isEqualTo(1); // in one of the two, not both
        assertThat(table.getIfPresent(key(1))).isSameAs(tx);
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(31));
        assertThat(table.getIfPresent(key(1))).isSameAs(tx);
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(2));
        assertThat(table.getIfPresent(key(1))).isNull();
        assertThat(table.size()).isZero();
    }

    @Test
    void finishedTransactionsAreBoundedAndInvalidateForgetsEither() {
        for (int i = 0; i < 500; i++) {
            Tx tx = new Tx();
            tx.done = true;
            table.put(key(i), tx);
        }
        table.put(key(1000), new Tx());
        assertThat(table.size()).isEqualTo(101); // 100 finished at most, and the live one
        table.invalidate(key(1000));
        assertThat(table.getIfPresent(key(1000))).isNull();
        assertThat(table.size()).isEqualTo(100);
    }
}
