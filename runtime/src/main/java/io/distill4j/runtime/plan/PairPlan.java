package io.distill4j.runtime.plan;

import io.distill4j.runtime.config.Origin;
import java.util.List;

/**
 * One student/teacher layer pair: which tensors, through which adapters, into which terms.
 *
 * @param name the pair's name
 * @param student the student feature's name
 * @param teacher the teacher feature's name
 * @param adapters applied in order before the terms
 * @param terms at least one
 * @param origin where the pair is configured ({@code file:line})
 */
public record PairPlan(String name, String student, String teacher, List<AdapterPlan> adapters,
                       List<TermPlan> terms, Origin origin) {
    public PairPlan {
        adapters = List.copyOf(adapters);
        terms = List.copyOf(terms);
    }
}
