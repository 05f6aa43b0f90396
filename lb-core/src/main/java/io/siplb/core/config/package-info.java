/**
 * Reading configuration values: typed, bounded, and failing with a message that names the key,
 * the value and the rule. The settings records of each concern validate through it.
 */
package io.siplb.core.config;
