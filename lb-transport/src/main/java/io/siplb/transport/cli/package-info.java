/**
 * The command line: the {@code siplb.jar} main class ({@link SiplbCli}) and {@code siplb ctl}
 * ({@link Ctl}), the admin API from a shell.
 */
package io.siplb.transport.cli;
