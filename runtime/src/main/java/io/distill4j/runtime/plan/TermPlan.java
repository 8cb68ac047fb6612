package io.distill4j.runtime.plan;

import io.distill4j.runtime.config.Origin;
import io.distill4j.runtime.schedule.WeightSchedule;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.Options;

/**
 * One weighted loss term of a pair.
 *
 * @param name the term's name, unique in its pair (the loss type unless configured)
 * @param type the loss's registered name
 * @param factory its factory
 * @param weight the term's weight in the total, before its schedule
 * @param schedule how the weight changes over training (constant unless configured)
 * @param options its validated options
 * @param origin where it is configured ({@code file:line})
 */
public record TermPlan(String name, String type, DistillLossFactory factory, double weight, WeightSchedule schedule,
                       Options options, Origin origin) {}
