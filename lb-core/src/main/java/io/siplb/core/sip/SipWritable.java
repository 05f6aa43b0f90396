package io.siplb.core.sip;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Something that writes one SIP message into a buffer: a parsed message or an edit of one. */
public interface SipWritable {
    /** Octets {@link #writeTo} will write. */
    int byteCount();

    /** Writes the message to {@code out}; the caller keeps ownership of {@code out}. */
    void writeTo(ByteBuf out);

    /** The message in a new direct buffer of {@code alloc}, which the caller then owns. */
    default ByteBuf toDirectBuffer(ByteBufAllocator alloc) {
        ByteBuf buffer = alloc.directBuffer(byteCount());
        try {
            writeTo(buffer);
        } catch (RuntimeException e) {
            buffer.release();
            throw e;
        }
        return buffer;
    }
}
