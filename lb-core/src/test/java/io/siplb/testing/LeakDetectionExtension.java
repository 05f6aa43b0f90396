package io.siplb.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a Jupiter test class that leaked a buffer. Registered for every class by extension
 * autodetection ({@code junit-platform.properties}).
 */
public final class LeakDetectionExtension implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) {
        LeakDetection.assertNoLeaks(context.getDisplayName());
    }
}
