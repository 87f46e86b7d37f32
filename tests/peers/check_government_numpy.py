#!/usr/bin/python3
"""The numpy peer (bench/peers/government_numpy.py) and revsim agree on the government-only
scenario: for every fiscal year, the mean revenue and P(alive at the year's end) of the two
independent runs differ by at most 3 standard errors of the difference,

    |a - b| <= 3 sqrt(se_a^2 + se_b^2)

(both runs have fixed seeds, so the outcome is deterministic; over fresh seeds each of the 12
comparisons fails by chance with probability 0.27 %, all 12 together at most 3.2 %: an engine
change that alters revsim's draws gets a fresh sample. When written, revsim's seed 1 was a high
draw of the engine of that time, z = 2.75 for 2025; its seeds 2-5 gave 2025 means 329.2-330.0
against numpy's 329.5; with the government draws of 2026-12-01 seed 1 gives 329.6, z = 0.72). Not a
timed test: no speed is checked here (scripts/bench prints the throughputs).

Power: the same comparison must FAIL against a numpy run whose p_win is raised from 0.30 to 0.32
(a 7 % change of the win rate), so a peer that drifts that far from the model is caught.

    check_government_numpy.py REVSIM SCENARIO [--trials N]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "peers"))
import government_numpy as gn  # noqa: E402

TOLERANCE_SE = 3.0


def revsim_summary(revsim, scenario, trials):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        subprocess.run([revsim, "run", scenario, "--trials", str(trials), "--seed", "1", "--format", "json", "-q",
                        "-o", out], check=True)
        with open(out, encoding="utf-8") as f:
            j = json.load(f)
    n = j["trials"]
    years = j["years"]
    return {
        "years": [y["year"] for y in years],
        "mean": [y["mean"] for y in years],
        "se": [y["sd"] / math.sqrt(n) for y in years],
        "p_alive": [y["p_alive"] for y in years],
        "p_alive_se": [math.sqrt(y["p_alive"] * (1 - y["p_alive"]) / n) for y in years],
    }


def worst(a, b):
    """Rows of (year, quantity, a, b, z) and the largest |z|."""
    rows = []
    for i, year in enumerate(a["years"]):
        for q in ("mean", "p_alive"):
            se = math.hypot(a[q + "_se" if q == "p_alive" else "se"][i], b[q + "_se" if q == "p_alive" else "se"][i])
            diff = a[q][i] - b[q][i]
            z = diff / se if se > 0 else (0.0 if diff == 0 else math.inf)
            rows.append((year, q, a[q][i], b[q][i], z))
    return rows, max(abs(r[4]) for r in rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("revsim")
    ap.add_argument("scenario")
    ap.add_argument("--trials", type=int, default=200_000)
    a = ap.parse_args()
    r = revsim_summary(a.revsim, a.scenario, a.trials)
    model = gn.load(a.scenario)
    n = gn.run(model, a.trials, seed=20261130)
    if r["years"] != n["years"]:
        print(f"FAIL: fiscal years differ: revsim {r['years']}, numpy {n['years']}")
        return 1
    rows, z = worst(r, n)
    print(f"{a.trials} trials each; tolerance {TOLERANCE_SE} standard errors of the difference")
    print(f"{'year':>6} {'quantity':>9} {'revsim':>12} {'numpy':>12} {'z':>7}")
    for year, q, x, y, zz in rows:
        print(f"{year:>6} {q:>9} {x:12.4f} {y:12.4f} {zz:7.2f}")
    ok = True
    if z > TOLERANCE_SE:
        print(f"FAIL: the numpy peer and revsim differ by {z:.2f} standard errors (> {TOLERANCE_SE})")
        ok = False
    if not (max(r["mean"]) > 100 and 0.5 < r["p_alive"][-1] < 0.99):
        print("FAIL: the scenario no longer exercises revenue and failure (mean revenue <= 100 or P(alive) outside 0.5-0.99)")
        ok = False
    # Power: a peer with p_win 0.32 instead of 0.30 must be told apart.
    if model.g["p_win"].constant() != 0.3:
        print("FAIL: the negative control expects the scenario's p_win to be 0.3")
        return 1
    model.g["p_win"] = gn.Dist("p_win", 0.32)
    _, z_off = worst(r, gn.run(model, a.trials, seed=20261130))
    print(f"negative control (numpy with p_win 0.32): largest |z| = {z_off:.2f}, must exceed {TOLERANCE_SE}")
    if z_off <= TOLERANCE_SE:
        print("FAIL: the comparison cannot tell a 7 % change of p_win apart")
        ok = False
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
