package io.siplb.transport.udp;

import io.netty.channel.Channel;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The datagrams the kernel dropped on this process's UDP sockets because their receive buffer was
 * full — the loss a paused or starved event loop causes, which no counter inside the process can
 * see. Linux keeps it per socket as the last column of {@code /proc/net/udp} and
 * {@code /proc/net/udp6}; the sockets are ours by inode ({@code /proc/self/fd}). Elsewhere, or
 * for a channel that is not a native one, there is nothing to read and the count stays 0.
 */
public final class KernelDrops {
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/udp"), Path.of("/proc/net/udp6"));
    private final Set<Long> inodes = ConcurrentHashMap.newKeySet();

    /** Counts {@code channel}'s drops from now on, when its socket can be found. */
    public void watch(Channel channel) {
        if (!(channel instanceof UnixChannel unix)) {
            return;
        }
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + unix.fd().intValue())).toString();
            if (link.startsWith("socket:[") && link.endsWith("]")) {
                inodes.add(Long.parseLong(link.substring(8, link.length() - 1)));
            }
        } catch (IOException | RuntimeException e) {
            // no /proc (not Linux) or no such descriptor: nothing to count
        }
    }

    /** Whether any socket is watched (Linux, epoll). */
    public boolean available() {
        return !inodes.isEmpty();
    }

    /** The drops of every watched socket, as the kernel counts them now. */
    public long total() {
        long total = 0;
        for (Path table : TABLES) {
            try {
                for (String line : Files.readAllLines(table)) {
                    String[] fields = line.trim().split("\\s+");
                    if (fields.length < 13 || !Character.isDigit(fields[0].charAt(0))) {
                        continue; // the heading
                    }
                    if (inodes.contains(Long.parseLong(fields[9]))) {
                        total += Long.parseLong(fields[fields.length - 1]);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the table is not there (no IPv6, not Linux): nothing from it
            }
        }
        return total;
    }
}
