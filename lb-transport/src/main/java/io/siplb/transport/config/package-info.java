/**
 * Configuration: every key with its default, the merge of defaults, properties file,
 * {@code SIPLB_…} environment variables and {@code --set} arguments, and the validated settings the
 * balancer starts from. A bad value stops start-up with a message naming the key, the value and
 * the rule.
 */
package io.siplb.transport.config;
