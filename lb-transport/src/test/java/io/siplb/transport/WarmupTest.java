package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.siplb.core.dispatch.Algorithm;
import io.siplb.core.dispatch.DispatchSettings;
import io.siplb.core.dispatch.HashMode;
import io.siplb.core.proxy.ProxySettings;
import io.siplb.core.sip.SipParser;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The warm-up's synthetic calls complete through the real proxy code, whatever the algorithm. */
class WarmupTest {
    @Test
    void everySyntheticCallCompletesOnEveryLoop() throws Exception {
        DefaultEventLoopGroup group = new DefaultEventLoopGroup(2);
        try {
            List<EventExecutor> loops = new ArrayList<>();
            group.forEach(loops::add);
            for (Algorithm algorithm : List.of(Algorithm.ROUND_ROBIN, Algorithm.HASH_CALL_ID, Algorithm.CALL_LOAD)) {
                ProxySettings settings = ProxySettings.defaults("127.0.0.1", 5060)
                        .withDispatch(new DispatchSettings(1, algorithm, 0, HashMode.KAMAILIO, null));
                assertThat(Warmup.run(settings, SipParser.DEFAULT, loops, 401)).as(algorithm.name()).isEqualTo(401);
            }
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }
}
