#!/usr/bin/python3
"""Trials per CPU second of whole `revsim run` processes, several revsim binaries interleaved.

    bench/process_cpu.py [--rounds R] [--only a,b] NAME=REVSIM [NAME=REVSIM ...]

Each shipped scenario (and bench/scenarios/government-only.yaml) is run as
`REVSIM -q run S --trials N --threads 1 --seed 1 --format json -o TMP` by every binary in turn,
the order rotating each round; a run's cost is its rusage user + system CPU time (start, load,
trials, summary, output: everything the process does), so a busy machine disturbs it less than
wall time. Printed per scenario: the best of R rounds for each binary, as trials per CPU second
and as the trial loop's own `runtime.trials_per_second`, then the last binary over each other
one. N is the trial count used in docs/performance.md (~0.1-0.5 s a run). Example, against the
month-stepped engine that scripts/bench builds:

    bench/process_cpu.py c0fa69c=build/baseline/c0fa69c*/build/bin/revsim now=build/bin/revsim
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIOS = [("balanced", 17762), ("carrier-bet", 24347), ("example", 15847), ("internet-first", 24441),
             ("isv-first", 13750), ("pipeline-today", 20595), ("reference", 13811), ("turnkey-builder", 35119),
             ("government-only", 30105)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binaries", nargs="+", metavar="NAME=REVSIM")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", help="comma-separated scenario names")
    a = ap.parse_args()
    bins = []
    for b in a.binaries:
        name, sep, exe = b.partition("=")
        if not sep or not os.access(exe, os.X_OK):
            print(f"process_cpu.py: {b}: expected NAME=PATH of a revsim executable", file=sys.stderr)
            return 2
        bins.append((name, exe))
    if a.rounds < 1:
        print("process_cpu.py: --rounds must be at least 1", file=sys.stderr)
        return 2
    only = set(a.only.split(",")) if a.only else None
    out = os.path.join(tempfile.mkdtemp(), "o.json")
    names = [n for n, _ in bins]
    for scenario, n in SCENARIOS:
        if only and scenario not in only:
            continue
        path = os.path.join(ROOT, "bench" if scenario == "government-only" else "", "scenarios", scenario + ".yaml")
        best = {}
        for r in range(a.rounds):
            for name, exe in bins[r % len(bins):] + bins[:r % len(bins)]:
                p = subprocess.Popen([exe, "-q", "run", path, "--trials", str(n), "--threads", "1", "--seed", "1",
                                      "--format", "json", "-o", out])
                _, status, usage = os.wait4(p.pid, 0)
                if status != 0:
                    print(f"process_cpu.py: {exe} failed on {path}", file=sys.stderr)
                    return 1
                cpu = n / (usage.ru_utime + usage.ru_stime)
                loop = json.load(open(out))["runtime"]["trials_per_second"]
                c, l = best.get(name, (0.0, 0.0))
                best[name] = (max(c, cpu), max(l, loop))
        line = f"{scenario:<16} {n:>6}  " + "  ".join(
            f"{b}: {best[b][0]:>8.0f} cpu/s {best[b][1]:>8.0f} loop/s" for b in names)
        if len(names) >= 2:
            last = names[-1]
            line += "  | " + "  ".join(f"{last}/{b} cpu x{best[last][0] / best[b][0]:.2f} "
                                       f"loop x{best[last][1] / best[b][1]:.2f}" for b in names[:-1])
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
