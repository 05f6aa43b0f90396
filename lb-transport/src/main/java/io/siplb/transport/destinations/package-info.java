/**
 * Where the destination sets come from and how they are reloaded: the {@code dispatcher.list}
 * file ({@link io.siplb.transport.destinations.ListFile}) or Kamailio's {@code dispatcher} table
 * through R2DBC ({@link io.siplb.transport.destinations.DispatcherTable},
 * {@link io.siplb.transport.destinations.TableSettings}), with its copy on disk, its polling and
 * PostgreSQL notifications ({@link io.siplb.transport.destinations.TableNotifications}), all owned
 * by {@link io.siplb.transport.destinations.Destinations}.
 */
package io.siplb.transport.destinations;
