#!/usr/bin/env python3
"""Sums Chrome traces of libtorch's operator profiler per training step: the trace that `distill train
--op-profile FIRST:STEPS` writes (op-profile-<run>.json in the run's folder), and the one that
`train_step.py THREADS --op-profile DIR FIRST STEPS` writes with torch.profiler for the same steps of
PyTorch's loop. Both record the same ATen operators and autograd nodes, so they compare operator by
operator:

    python3 tools/bench/op_profile.py --steps 40 TRACE.json [OTHER.json]

Per step it prints the top-level operators (those not inside another): convolutions and batch norms,
forward and backward, which are the same oneDNN/ATen kernels on both sides and most of a small CNN's
step; every other operator together; the time between operators (the framework's own code: Java and
JNI, or Python); and the whole window. With two traces, the second column and the ratio first /
second. The profiler adds a few microseconds to every operator, so the small ones and the wall read
high: the large kernels' times are what carries over to an unprofiled run.
"""
import argparse
import collections
import json
import re

# The kernels whose cost a frontend cannot change: it must run them to compute the same numbers.
KERNELS = (
    ("convolution forward", ("aten::conv2d", "aten::convolution", "aten::_convolution")),
    ("convolution backward", ("autograd::engine::evaluate_function: ConvolutionBackward0",)),
    ("batch norm forward", ("aten::batch_norm", "aten::_batch_norm_impl_index", "aten::native_batch_norm")),
    ("batch norm backward", ("autograd::engine::evaluate_function: NativeBatchNormBackward0",)),
)


def top_level(path):
    """The trace's operator events that no other operator event contains, per thread, in time order."""
    with open(path) as f:
        trace = json.load(f)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    ops = [e for e in events if e.get("ph") == "X" and e.get("cat", "cpu_op") == "cpu_op"
           and e["name"].startswith(("aten::", "autograd::"))]
    ops.sort(key=lambda e: (e.get("tid"), e["ts"], -e["dur"]))
    out, ends = [], {}
    for e in ops:
        if e["ts"] < ends.get(e.get("tid"), float("-inf")):
            continue
        ends[e.get("tid")] = e["ts"] + e["dur"]
        out.append(e)
    return out


def summary(path, steps):
    """Per step, in ms: each kernel group, the other operators, the time between operators, the window; and counts."""
    ops = top_level(path)
    rows = collections.OrderedDict()
    grouped = set()
    for label, names in KERNELS:
        mine = [e for e in ops if e["name"] in names]
        grouped.update(id(e) for e in mine)
        rows[label] = (sum(e["dur"] for e in mine), len(mine))
    rows["kernels above, together"] = (sum(v[0] for v in rows.values()), sum(v[1] for v in rows.values()))
    rest = [e for e in ops if id(e) not in grouped]
    rows["every other operator"] = (sum(e["dur"] for e in rest), len(rest))
    # Per thread: a training step runs on one, so the window is the span of the busiest thread's operators.
    by_thread = collections.defaultdict(list)
    for e in ops:
        by_thread[e.get("tid")].append(e)
    main = max(by_thread.values(), key=len)
    span = max(e["ts"] + e["dur"] for e in main) - min(e["ts"] for e in main)
    rows["between operators"] = (span - sum(e["dur"] for e in main), None)
    rows["whole window"] = (span, len(ops))
    return {k: (t / steps / 1000, None if n is None else n / steps) for k, (t, n) in rows.items()}


def trace_name(case):
    """A loss case's trace file: kd[64x100] -> op-profile-kd-64x100.json, as LossBench.traceName names it."""
    return "op-profile-%s.json" % re.sub(r"[^A-Za-z0-9]+", "-", case).strip("-")


def by_operator(path, steps):
    """Per top-level operator name: ms per step and calls per step, largest first."""
    totals = collections.defaultdict(lambda: [0.0, 0])
    for e in top_level(path):
        totals[e["name"]][0] += e["dur"]
        totals[e["name"]][1] += 1
    return {k: (t / steps / 1000, n / steps) for k, (t, n) in sorted(totals.items(), key=lambda kv: -kv[1][0])}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, required=True, help="training steps (or loss runs) the traces hold")
    parser.add_argument("--ops", type=int, default=0, metavar="N",
                        help="also list the N top-level operators that take longest in the first trace, per step")
    parser.add_argument("traces", nargs="+", help="one trace, or two to compare (first / second)")
    args = parser.parse_args()
    if len(args.traces) > 2:
        parser.error("give one trace, or two to compare")
    if args.ops:
        print_operators(args.traces, args.steps, args.ops)
        print()
    sums = [summary(t, args.steps) for t in args.traces]
    head = "%-26s" % "per training step"
    for t in args.traces:
        head += " %22s" % ("ms (ops) " + t.rsplit("/", 2)[-2][:12])
    if len(sums) == 2:
        head += " %8s" % "ratio"
    print(head)
    for label in sums[0]:
        line = "%-26s" % label
        for s in sums:
            ms, n = s[label]
            line += " %14.3f %7s" % (ms, "" if n is None else "(%.1f)" % n)
        if len(sums) == 2:
            line += " %8.2f" % (sums[0][label][0] / sums[1][label][0] if sums[1][label][0] else float("nan"))
        print(line)


def print_operators(traces, steps, count):
    """The longest top-level operators of the first trace, each with its time in every trace and the ratio."""
    ops = [by_operator(t, steps) for t in traces]
    print("%-58s" % "operator, ms per step (calls)" + "".join(" %18s" % t.rsplit("/", 1)[-1][-18:] for t in traces)
          + (" %8s" % "ratio" if len(ops) == 2 else ""))
    for name in list(ops[0])[:count]:
        line = "%-58s" % name[:58]
        for o in ops:
            ms, n = o.get(name, (0.0, 0))
            line += " %10.3f %7s" % (ms, "(%.1f)" % n)
        if len(ops) == 2:
            other = ops[1].get(name, (0.0, 0))[0]
            line += " %8.2f" % (ops[0][name][0] / other if other else float("nan"))
        print(line)


if __name__ == "__main__":
    main()
