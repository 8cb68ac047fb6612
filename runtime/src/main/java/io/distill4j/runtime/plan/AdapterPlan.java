package io.distill4j.runtime.plan;

import io.distill4j.runtime.config.Origin;
import io.distill4j.spi.FeatureAdapterFactory;
import io.distill4j.spi.Options;

/**
 * One configured adapter of a pair.
 *
 * @param type the adapter's registered name
 * @param factory its factory
 * @param options its validated options
 * @param origin where it is configured ({@code file:line})
 */
public record AdapterPlan(String type, FeatureAdapterFactory factory, Options options, Origin origin) {}
