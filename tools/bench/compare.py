#!/usr/bin/env python3
"""Runs the PyTorch eager baseline and distill4j side by side, in one run, alternating, with the same
threads, and prints per case both medians and the ratio Java / PyTorch (below 1: distill4j is faster):
per loss (`distill bench` against torch_losses.py), or with --train per training step (`distill bench
--train` against train_step.py: teacher, student alone, KD, conv1x1 + MGD, FGD). With --write, it also
updates BENCHMARKS.md and its chart.

    python3 tools/bench/compare.py [--train] [--threads 2] [--rounds 3] [--write] [--python PY]
    python3 tools/bench/compare.py --offline [--rounds 3] [--python PY]
    python3 tools/bench/compare.py --op-profile [--window 70:40] [--rounds 3] [--python PY]
    python3 tools/bench/compare.py --op-profile --losses [--window 1:10] [--rounds 3] [--python PY]

--offline compares offline distillation's cost on both sides: `distill bench --offline --rounds 3`
against `train_step.py THREADS --offline 3`, alternating, each pairing its KD-from-stored-logits runs
with a student-alone run; it prints per row the median over rounds of the whole run per step and of
the median training step, in ms, or for a `/alone` row their ratios.

--op-profile records the operators of the same training steps of every --train run on both sides
(`distill bench --train --op-profile FIRST:STEPS` against `train_step.py THREADS --op-profile DIR FIRST
STEPS`, alternating), sums each trace with op_profile.py and prints, per run, the median over rounds of
each row per step: the convolution and batch norm kernels, every other operator, the time between
operators, the profiled window; and PyTorch's unprofiled median step from the same runs. Its last two
columns are floors: the lowest ratio Java / PyTorch that a loop running these kernels at PyTorch's
(or at distill4j's measured) speed could reach, were everything else it does free.

--op-profile --losses does the same for every loss case of `distill bench` (`distill bench --op-profile
FIRST:STEPS` against `torch_losses.py THREADS --op-profile DIR FIRST STEPS`: timed runs FIRST to
FIRST+STEPS-1 of each case) and prints per case its longest top-level operators, ms per forward +
backward on each side: which kernels a loss's time is, and whether they run at the same speed.

The PyTorch side runs on the official torch 2.13.0 CPU wheel, the PyTorch a user installs: from --python,
else $DISTILL4J_TORCH_PYTHON, else tools/bench/.venv (created on first use with
`python3 -m venv tools/bench/.venv && tools/bench/.venv/bin/pip install torch==2.13.0 numpy matplotlib`,
from the machine's configured package index or wheel folder). The chart needs matplotlib in that venv.
"""
import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile

import op_profile  # beside this script

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def java_env(threads):
    """The environment `distill` runs in: the same intra-op threads as the PyTorch side, one inter-op thread."""
    return dict(os.environ, DISTILL_JAVA_OPTS="-Dai.djl.pytorch.num_threads=%d -Dai.djl.pytorch.num_interop_threads=1"
                % threads)
# A case and its median, min and max in ms, or (training steps) its one ms-per-step figure.
LINE = re.compile(r"^(\S+(?: \S+)*?)\s+([\d.]+)(?:\s+([\d.]+)\s+([\d.]+))?\s*$")


def parse(text):
    """Per case, (median, min) in ms."""
    rows = {}
    for line in text.splitlines():
        m = LINE.match(line.strip())
        if m:
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3) or m.group(2)))
    return rows


def middle(runs):
    """Per case, the median over rounds of each round's median."""
    return {name: statistics.median(r[name][0] for r in runs if name in r) for name in runs[0]}


def fastest(runs):
    """Per case, the fastest single run over all rounds: the cost with the least noise in it."""
    return {name: min(r[name][1] for r in runs if name in r) for name in runs[0]}


TORCH = "2.13.0"
VENV = os.path.join(REPO, "tools", "bench", ".venv")


def torch_python(given):
    """The interpreter with torch 2.13: the given one, $DISTILL4J_TORCH_PYTHON, or tools/bench/.venv (made if missing)."""
    python = given or os.environ.get("DISTILL4J_TORCH_PYTHON") or os.path.join(VENV, "bin", "python")
    if not given and not os.environ.get("DISTILL4J_TORCH_PYTHON") and not os.path.exists(python):
        print("creating %s with torch==%s (python3 -m venv, then pip install)" % (VENV, TORCH), file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "torch==" + TORCH, "numpy", "matplotlib"], check=True)
    found = subprocess.run([python, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True)
    if found.returncode != 0:
        sys.exit("%s has no torch: install it with %s -m pip install torch==%s" % (python, python, TORCH))
    version = found.stdout.strip()
    if not version.startswith(TORCH):
        print("note: %s has torch %s, not the baseline %s" % (python, version, TORCH), file=sys.stderr)
    return python


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--train", action="store_true", help="training steps (distill bench --train vs train_step.py)")
    ap.add_argument("--python", help="the interpreter with torch (default: $DISTILL4J_TORCH_PYTHON or tools/bench/.venv)")
    ap.add_argument("--torch-script", help="the PyTorch side (default: torch_losses.py, or train_step.py with --train)")
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md and docs/bench-ratios.png")
    ap.add_argument("--rounds", type=int, default=3,
                    help="run both benches this many times, alternating, and keep the median of each side's "
                         "medians (default 3): on a shared machine one round can land in a noisy minute")
    ap.add_argument("--offline", action="store_true",
                    help="offline distillation: stored-output KD against the student alone, on both sides")
    ap.add_argument("--op-profile", action="store_true",
                    help="operator profiles of the --train runs on both sides, summed per step")
    ap.add_argument("--window", help="--op-profile: FIRST:STEPS, the profiled training steps (default 70:40, inside the "
                    "second epoch of 60 steps: no evaluation in it), or with --losses the profiled timed runs (default 1:10)")
    ap.add_argument("--losses", action="store_true",
                    help="--op-profile: profile every loss case (distill bench --op-profile vs torch_losses.py --op-profile)")
    args = ap.parse_args()

    python = torch_python(args.python)
    if args.offline:
        return offline(python, args)
    if args.losses and not args.op_profile:
        ap.error("--losses goes with --op-profile")
    if args.op_profile:
        args.window = args.window or ("1:10" if args.losses else "70:40")
        return loss_op_profiles(python, args) if args.losses else op_profiles(python, args)
    # abspath, not realpath: a venv's python links to the same binary but has its own packages.
    if args.write and not has_matplotlib() and os.path.abspath(python) != os.path.abspath(sys.executable):
        # The chart needs matplotlib, which the torch venv has and the system python3 often lacks:
        # carry on in the venv's interpreter rather than fail after minutes of measuring.
        os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:] + ["--python", python])
    if args.write and not has_matplotlib():
        sys.exit("--write draws a chart, and neither this python nor %s has matplotlib: %s -m pip install matplotlib"
                 % (python, python))
    script = args.torch_script or os.path.join(REPO, "tools", "bench", "train_step.py" if args.train else "torch_losses.py")
    java_args = [os.path.join(REPO, "distill"), "bench"] + (["--train"] if args.train else [])
    env = java_env(args.threads)
    torch_runs, java_runs = [], []
    for r in range(args.rounds):
        torch_out = subprocess.run([python, script, str(args.threads)], check=True,
                                   capture_output=True, text=True).stdout
        java_out = subprocess.run(java_args, check=True, capture_output=True, text=True, env=env, cwd=REPO).stdout
        torch_runs.append(parse(torch_out))
        java_runs.append(parse(java_out))
        print("round %d/%d done" % (r + 1, args.rounds), file=sys.stderr)
    torch_rows, java_rows = middle(torch_runs), middle(java_runs)
    torch_version = torch_out.splitlines()[0]  # "torch 2.13.0+cpu, 2 threads"
    djl_line = java_out.splitlines()[0]

    what = "recipe (ms per training step)" if args.train else "loss (shape)"
    header = ("| %s | PyTorch %s eager median ms | distill4j median ms | ratio Java / PyTorch "
              "| ratio per round, lowest-highest | ratio of the fastest runs |") % (what, torch_version.split()[1].rstrip(","))
    lines = [header, "| --- | ---: | ---: | ---: | ---: | ---: |"]
    torch_fast, java_fast = fastest(torch_runs), fastest(java_runs)
    ratios = []
    for name, t in torch_rows.items():
        j = java_rows.get(name)
        if j is None:
            continue
        # Each round's own ratio shows how far one invocation can move on a shared machine.
        per_round = [jr[name][0] / tr[name][0] for tr, jr in zip(torch_runs, java_runs) if name in jr and name in tr]
        ratios.append((name, j / t, min(per_round), max(per_round)))
        lines.append("| %s | %.3f | %.3f | %.2f | %.2f-%.2f | %.2f |" % (
            name, t, j, j / t, min(per_round), max(per_round), java_fast[name] / torch_fast[name]))
    table = "\n".join(lines)
    machine = "%s, %d cores; %s; distill4j: %s; %d intra-op threads each; median of %d alternating rounds" % (
        cpu_model(), os.cpu_count(), torch_version, djl_line, args.threads, args.rounds)
    print(machine)
    print(table)

    if args.write:
        section = "steps" if args.train else "losses"
        chart = "bench-steps.png" if args.train else "bench-ratios.png"
        write_chart(ratios, chart, "Training step per recipe" if args.train else "Forward + backward per loss",
                    torch_version)
        write_markdown(machine, table, section, chart)


SIX = re.compile(r"^(\S+)" + r"\s+([\d.]+)" * 6 + r"\s*$")


def parse_offline(text):
    """Per row of `bench --offline` / `train_step.py --offline`: (whole run median, training step median)."""
    return {m.group(1): (float(m.group(2)), float(m.group(5)))
            for m in (SIX.match(line.strip()) for line in text.splitlines()) if m}


def offline(python, args):
    env = java_env(args.threads)
    script = os.path.join(REPO, "tools", "bench", "train_step.py")
    sides = {"PyTorch": [], "distill4j": []}
    for r in range(args.rounds):
        torch_out = subprocess.run([python, script, str(args.threads), "--offline", "3"], check=True,
                                   capture_output=True, text=True).stdout
        java_out = subprocess.run([os.path.join(REPO, "distill"), "bench", "--offline", "--rounds", "3"], check=True,
                                  capture_output=True, text=True, env=env, cwd=REPO).stdout
        sides["PyTorch"].append(parse_offline(torch_out))
        sides["distill4j"].append(parse_offline(java_out))
        print("round %d/%d done" % (r + 1, args.rounds), file=sys.stderr)
    print("%s, %d cores; %s; %d intra-op threads each; %d alternating rounds of 3 paired runs a side" % (
        cpu_model(), os.cpu_count(), torch_out.splitlines()[0], args.threads, args.rounds))
    print("| side | row | whole run / steps | training step |")
    print("| --- | --- | ---: | ---: |")
    for side, runs in sides.items():
        for name in runs[0]:
            whole = statistics.median(run[name][0] for run in runs)
            step = statistics.median(run[name][1] for run in runs)
            print("| %s | %s | %.3f | %.3f |" % (side, name, whole, step))
    return 0


RUNS = ("kd/op-profile-teacher.json", "kd/op-profile-student-alone.json", "kd/op-profile-student-distilled.json",
        "mgd/op-profile-student-distilled.json", "fgd/op-profile-student-distilled.json")
RUN_NAMES = ("teacher", "alone", "kd", "mgd", "fgd")


def op_profiles(python, args):
    first, steps = (int(x) for x in args.window.split(":"))
    env = java_env(args.threads)
    script = os.path.join(REPO, "tools", "bench", "train_step.py")
    rows = {"PyTorch": [], "distill4j": []}  # per round: {run: summary}
    unprofiled = []  # per round: {run: PyTorch's median step outside the window}
    for r in range(args.rounds):
        out = tempfile.mkdtemp(prefix="torch-op-profile-")
        torch_out = subprocess.run([python, script, str(args.threads), "--op-profile", out, str(first), str(steps)],
                                   check=True, capture_output=True, text=True).stdout
        java_out = subprocess.run([os.path.join(REPO, "distill"), "bench", "--train", "--op-profile", args.window],
                                  check=True, capture_output=True, text=True, env=env, cwd=REPO).stdout
        java_dir = re.search(r"^op profiles of steps \d+-\d+: (\S+)/<recipe>/", java_out, re.M).group(1)
        rows["PyTorch"].append({n: op_profile.summary(os.path.join(out, t), steps) for n, t in zip(RUN_NAMES, RUNS)})
        rows["distill4j"].append({n: op_profile.summary(os.path.join(java_dir, t), steps) for n, t in zip(RUN_NAMES, RUNS)})
        medians = [float(x) for x in re.findall(r"median step outside the window ([\d.]+) ms", torch_out)]
        unprofiled.append(dict(zip(RUN_NAMES, medians)))
        print("round %d/%d done (traces: %s, %s)" % (r + 1, args.rounds, java_dir, out), file=sys.stderr)
    print("%s, %d cores; %s; %d intra-op threads each; training steps %d-%d profiled; median of %d alternating rounds"
          % (cpu_model(), os.cpu_count(), torch_out.splitlines()[0], args.threads, first, first + steps - 1, args.rounds))

    def med(side, run, row):
        return statistics.median(r[run][row][0] for r in rows[side])

    for run in RUN_NAMES:
        print("\n%s: ms per training step (operators per step)" % run)
        print("| | PyTorch | distill4j | Java / PyTorch |")
        print("| --- | ---: | ---: | ---: |")
        for row in rows["PyTorch"][0][run]:
            t, j = med("PyTorch", run, row), med("distill4j", run, row)
            count = rows["distill4j"][0][run][row][1]
            tc = rows["PyTorch"][0][run][row][1]
            ops = "" if count is None else " (%.0f)" % count
            tops = "" if tc is None else " (%.0f)" % tc
            print("| %s | %.3f%s | %.3f%s | %.2f |" % (row, t, tops, j, ops, j / t if t else float("nan")))
    print("\n| run | PyTorch step, unprofiled | PyTorch kernels | distill4j kernels | PyTorch kernels / PyTorch step "
          "| Java kernels / PyTorch step |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for run in RUN_NAMES:
        step = statistics.median(u[run] for u in unprofiled)
        kt, kj = med("PyTorch", run, "kernels above, together"), med("distill4j", run, "kernels above, together")
        print("| %s | %.3f | %.3f | %.3f | %.2f | %.2f |" % (run, step, kt, kj, kt / step, kj / step))
    return 0


def loss_op_profiles(python, args):
    """Per loss case, its top-level operators on both sides: the median over rounds of ms per run."""
    first, runs = (int(x) for x in args.window.split(":"))
    env = java_env(args.threads)
    script = os.path.join(REPO, "tools", "bench", "torch_losses.py")
    sides = {"PyTorch": [], "distill4j": []}  # per round: {case: {operator: (ms, calls)}}, plus "" -> summary
    for r in range(args.rounds):
        out = tempfile.mkdtemp(prefix="torch-loss-profile-")
        torch_out = subprocess.run([python, script, str(args.threads), "--op-profile", out, str(first), str(runs)],
                                   check=True, capture_output=True, text=True).stdout
        java_out = subprocess.run([os.path.join(REPO, "distill"), "bench", "--op-profile", args.window],
                                  check=True, capture_output=True, text=True, env=env, cwd=REPO).stdout
        java_dir = re.search(r"^op profiles of timed runs \d+-\d+: (\S+)/op-profile-<case>", java_out, re.M).group(1)
        for side, folder in (("PyTorch", out), ("distill4j", java_dir)):
            traces = {}
            for name in (n for n in parse(torch_out) if n in parse(java_out)):  # the cases, not the version lines
                path = os.path.join(folder, op_profile.trace_name(name))
                traces[name] = dict(op_profile.by_operator(path, runs),
                                    **{"(whole window)": (op_profile.summary(path, runs)["whole window"][0], 0)})
            sides[side].append(traces)
        print("round %d/%d done (traces: %s, %s)" % (r + 1, args.rounds, java_dir, out), file=sys.stderr)
    print("%s, %d cores; %s; %d intra-op threads each; timed runs %d-%d of each loss profiled; median of %d "
          "alternating rounds" % (cpu_model(), os.cpu_count(), torch_out.splitlines()[0], args.threads, first,
                                  first + runs - 1, args.rounds))

    def med(side, case, op):
        return statistics.median(r[case].get(op, (0.0, 0))[0] for r in sides[side])

    for case in sides["PyTorch"][0]:
        ops = sorted(set(sides["PyTorch"][0][case]) | set(sides["distill4j"][0][case]),
                     key=lambda op: -max(med("PyTorch", case, op), med("distill4j", case, op)))
        print("\n%s: ms per forward + backward, profiled (calls per run)" % case)
        print("| operator | PyTorch | distill4j | Java / PyTorch |")
        print("| --- | ---: | ---: | ---: |")
        for op in ["(whole window)"] + [o for o in ops if o != "(whole window)"][:10]:
            t, j = med("PyTorch", case, op), med("distill4j", case, op)
            tc = sides["PyTorch"][0][case].get(op, (0, 0))[1]
            jc = sides["distill4j"][0][case].get(op, (0, 0))[1]
            calls = lambda c: "" if op == "(whole window)" else " (%.0f)" % c
            print("| %s | %.3f%s | %.3f%s | %s |" % (op, t, calls(tc), j, calls(jc),
                                                     "%.2f" % (j / t) if t else "-"))
    return 0


def has_matplotlib():
    try:
        import matplotlib  # noqa: F401
        return True
    except ImportError:
        return False


def write_chart(ratios, name, title, torch_version):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = [r[0] for r in ratios][::-1]
    values = [r[1] for r in ratios][::-1]
    # Whiskers: the lowest and highest single-round ratio, so the noise shows next to the median.
    spread = [[r[1] - r[2] for r in ratios][::-1], [r[3] - r[1] for r in ratios][::-1]]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.barh(names, values, xerr=spread, capsize=3, error_kw={"elinewidth": 1, "ecolor": "#555555"},
            color=["#c0392b" if v > 1 else "#27ae60" for v in values])
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_xlabel("median time, distill4j / PyTorch eager (below 1: distill4j faster); whiskers: single rounds")
    ax.set_title("%s, against %s, same machine, same run" % (title, torch_version.split(",")[0]))
    fig.tight_layout()
    os.makedirs(os.path.join(REPO, "docs"), exist_ok=True)
    fig.savefig(os.path.join(REPO, "docs", name), dpi=110)


def write_markdown(machine, table, section, chart):
    path = os.path.join(REPO, "BENCHMARKS.md")
    with open(path) as f:
        text = f.read()
    start, end = "<!-- %s:start -->" % section, "<!-- %s:end -->" % section
    block = "%s\nMachine and versions: %s.\n\n%s\n\n![ratios](docs/%s)\n%s" % (start, machine, table, chart, end)
    text = re.sub(re.escape(start) + ".*?" + re.escape(end), block, text, flags=re.S)
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    sys.exit(main())
