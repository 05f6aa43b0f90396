package io.siplb.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;

/** Proves the leak check can fail: a buffer dropped without release is reported. */
class LeakDetectionTest {

    @Test
    void testsRunWithParanoidLeakDetection() {
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    }

    @Test
    void aBufferDroppedWithoutReleaseFailsTheCheck() {
        leakOneBuffer();
        // collectLeaks() both reports and forgets, so the class-level check after this test stays green
        assertThatThrownBy(() -> LeakDetection.assertNoLeaks("this test"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("buffer leak(s) in this test");
    }

    @Test
    void releasedBuffersPassTheCheck() {
        ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        buffer.writeInt(42);
        buffer.release();
        LeakDetection.assertNoLeaks("this test");
    }

    private static void leakOneBuffer() {
        ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        buffer.writeInt(7);
    }
}
