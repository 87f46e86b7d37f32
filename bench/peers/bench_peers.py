#!/usr/bin/python3
"""The second half of scripts/bench: revsim against its peers, as ratios measured in one run.

    bench_peers.py --revsim BIN --bench BIN [--baseline-revsim BIN --baseline-name REF]
                   [--summary FILE] [--quick] [--rounds R] [--trials N]

1. Government-only sub-model: revsim's BM_Trials/government_only (one thread, Google Benchmark)
   against the numpy peer bench/peers/government_numpy.py (one core) on
   bench/scenarios/government-only.yaml, in trial-years/s, interleaved R rounds, best of each.
2. Baseline: for every shipped scenario (scenarios/*.yaml) and the government-only one, the
   baseline's `revsim run` and the current `revsim run` at one thread, interleaved R rounds
   (alternating which goes first), best of each, with enough trials that the current revsim
   runs about --seconds (a first run of 5 000 trials measures its speed; at least --trials,
   at most 300 000 so that exact mode keeps every sample); the figure is the CLI's own `runtime`
   trials/s (the trial loop, not the summary), so both versions are measured by the same
   instrument whatever their internals.
3. The targets of issue 14: government-only vs numpy >= 1 per core; reference >= 5x the
   baseline; every scenario >= 3x; reference actual / RNG floor <= 3 and 1 -> 2 thread scaling
   >= 1.9 (both from revsim_bench's --summary FILE).
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOV = os.path.join(ROOT, "bench", "scenarios", "government-only.yaml")
NUMPY_PEER = os.path.join(ROOT, "bench", "peers", "government_numpy.py")


def numpy_trial_years(trials):
    out = subprocess.run(["/usr/bin/python3", NUMPY_PEER, GOV, "--trials", str(trials), "--json"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)["trial_years_per_second"]


def bench_trial_years(bench, min_time, tmp):
    out = os.path.join(tmp, "gov.json")
    subprocess.run([bench, "--benchmark_filter=^BM_Trials/government_only$", f"--benchmark_min_time={min_time}",
                    f"--benchmark_out={out}", "--benchmark_out_format=json"], check=True,
                   stdout=subprocess.DEVNULL)
    with open(out, encoding="utf-8") as f:
        runs = [b for b in json.load(f)["benchmarks"] if b["name"] == "BM_Trials/government_only"]
    if not runs:
        raise RuntimeError("revsim_bench did not run BM_Trials/government_only")
    return runs[0]["items_per_second"] * runs[0]["years"]


def cli_trials_per_second(revsim, scenario, trials, tmp):
    """The CLI's runtime trials/s at one thread, or None when this version refuses the scenario."""
    out = os.path.join(tmp, "run.json")
    p = subprocess.run([revsim, "run", scenario, "--trials", str(trials), "--threads", "1", "--seed", "1",
                        "--format", "json", "-q", "-o", out], capture_output=True, text=True)
    if p.returncode != 0:
        return None
    with open(out, encoding="utf-8") as f:
        return json.load(f)["runtime"]["trials_per_second"]


def best(xs):
    xs = [x for x in xs if x is not None]
    return max(xs) if xs else None


def verdict(ok):
    return "pass" if ok else "FAIL"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--revsim", required=True)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--baseline-revsim")
    ap.add_argument("--baseline-name", default="baseline")
    ap.add_argument("--summary", help="revsim_bench --summary output (RNG floor ratio, threads)")
    ap.add_argument("--quick", action="store_true", help="2 rounds, fewer trials")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--trials", type=int, help="least trials per CLI run (default 20000, --quick 5000)")
    ap.add_argument("--seconds", type=float, help="aim of each current-revsim CLI run (default 0.5, --quick 0.15)")
    a = ap.parse_args()
    rounds = a.rounds or (2 if a.quick else 3)
    cli_trials = a.trials or (5_000 if a.quick else 20_000)
    seconds = a.seconds or (0.15 if a.quick else 0.5)
    np_trials = 40_000 if a.quick else 200_000
    min_time = 0.2 if a.quick else 1.0
    targets = []  # (what, measured text, goal text, ok or None)

    with tempfile.TemporaryDirectory() as tmp:
        # ---- 1. Government-only: revsim vs numpy, per core ----
        print(f"\n== Government-only sub-model (bench/scenarios/government-only.yaml), one core, "
              f"best of {rounds} interleaved rounds ==", flush=True)
        rv, nv = [], []
        for _ in range(rounds):
            nv.append(numpy_trial_years(np_trials))
            rv.append(bench_trial_years(a.bench, min_time, tmp))
        r, n = best(rv), best(nv)
        print(f"  revsim (BM_Trials/government_only, 1 thread)  {r:14,.0f} trial-years/s")
        print(f"  numpy peer (bench/peers/government_numpy.py)  {n:14,.0f} trial-years/s")
        print(f"  revsim / numpy                                 {r / n:14.2f}   (target >= 1)")
        targets.append(("government-only: revsim / numpy, per core", f"x{r / n:.2f}", ">= 1", r / n >= 1))

        # ---- 2. Baseline vs current, every shipped scenario ----
        if a.baseline_revsim:
            scenarios = sorted(glob.glob(os.path.join(ROOT, "scenarios", "*.yaml"))) + [GOV]
            print(f"\n== Speed-up over {a.baseline_name}, `revsim run --threads 1`, runtime trials/s, "
                  f"best of {rounds} interleaved rounds ==", flush=True)
            print(f"  {'scenario':<18} {'trials':>8} {'old trials/s':>13} {'new trials/s':>13} {'speed-up':>9} "
                  f"{'target':>7}  result")
            worst = None
            for path in scenarios:
                name = os.path.splitext(os.path.basename(path))[0]
                speed = cli_trials_per_second(a.revsim, path, 5_000, tmp) or 0.0
                trials = int(min(300_000, max(cli_trials, speed * seconds)))
                old, new = [], []
                for k in range(rounds):
                    pair = [(old, a.baseline_revsim), (new, a.revsim)]
                    for acc, binary in (pair if k % 2 == 0 else pair[::-1]):
                        acc.append(cli_trials_per_second(binary, path, trials, tmp))
                o, nw = best(old), best(new)
                goal = 5.0 if name == "reference" else 3.0
                if o is None or nw is None:
                    who = "the baseline" if o is None else "the current revsim"
                    print(f"  {name:<18} {trials:8} {'n/a':>13} {'n/a':>13} {'':>9} {'>= ' + str(int(goal)) + 'x':>7}  "
                          f"({who} refuses this scenario)")
                    continue
                s = nw / o
                ok = s >= goal
                print(f"  {name:<18} {trials:8} {o:13,.0f} {nw:13,.0f} {'x%.2f' % s:>9} {'>= ' + str(int(goal)) + 'x':>7}  "
                      f"{verdict(ok)}", flush=True)
                if name == "reference":
                    targets.append((f"reference: speed-up over {a.baseline_name}, 1 thread", f"x{s:.2f}", ">= 5", ok))
                if worst is None or s < worst[1]:
                    worst = (name, s)
            if worst is not None:
                targets.append((f"every scenario: speed-up over {a.baseline_name}", f"min x{worst[1]:.2f} ({worst[0]})",
                                ">= 3", worst[1] >= 3))

        # ---- 3. The targets ----
        summary = {}
        if a.summary and os.path.exists(a.summary) and os.path.getsize(a.summary) > 0:
            with open(a.summary, encoding="utf-8") as f:
                summary = json.load(f)
        ratio = summary.get("floor_ratio", 0)
        if ratio > 0:
            targets.append(("reference: actual / RNG floor, 1 thread",
                            f"{ratio:.2f} ({summary['actual_us']:.2f} / {summary['floor_us']:.2f} us)", "<= 3",
                            ratio <= 3))
        else:
            targets.append(("reference: actual / RNG floor, 1 thread", "not measured", "<= 3", None))
        eng = summary.get("engine_trials_per_second", {})
        t1, t2 = eng.get("1", 0), eng.get("2", 0)
        if t1 > 0 and t2 > 0:
            targets.append(("reference: scaling 1 -> 2 threads", f"x{t2 / t1:.2f}", ">= 1.9", t2 / t1 >= 1.9))
        else:
            targets.append(("reference: scaling 1 -> 2 threads", "not measured", ">= 1.9", None))

    print("\n== Targets (issue 14) ==")
    width = max(len(t[0]) for t in targets)
    for what, measured, goal, ok in targets:
        print(f"  {what:<{width}}  {measured:<28} {goal:>6}  {'-' if ok is None else verdict(ok)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
