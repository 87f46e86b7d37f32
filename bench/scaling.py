#!/usr/bin/python3
"""How a trial's cost grows with entities, events and years (docs/performance.md, "What a trial costs").

    bench/scaling.py [--revsim BIN] [--trials N] [--rounds R] [--quick] [--json FILE]

Starts from scenarios/reference.yaml with the company made unable to fail (cash 90 000 M RMB, no raises, so every
trial runs its whole horizon and the work per trial is the model's, not the failure month's),
then varies one dimension at a time and times `revsim run --threads 1` at each level:

  channels      none, then internet, + carriers, + government, + ISVs (the reference's own):
                the trial's fixed cost and what each channel adds
  isvs          ISVs in the three industries (engagements_per_year scaled with them, so every
                ISV is engaged within the horizon); large ISVs off
  orders        orders_per_year of every ISV (60 ISVs; large ISVs off): the events of one ISV
  projects      government projects_per_year
  accounts      internet accounts (copies of the reference's six, renamed)
  operators     carrier operators (copies of the reference's three, renamed)
  years         the horizon, in fiscal years

For each level it prints CPU µs per trial (the process's user + system time for N trials less
that of a one-trial run of the same scenario, over N − 1: the trials and the summary, without
start, load and output; best of R interleaved rounds, one thread) and the events per trial where the output tells them (ISV orders: the ISV
revenue over the mean order's value; projects: arrivals at the rate over the horizon), then the
least-squares slope: the cost of one more entity, event or year, and the intercept. The VM this
runs on is shared, so single figures move by ~10 %; the slopes are what to read. CPU time, not
wall time, so that another process on the machine slows the figures less.
"""
import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = os.path.join(ROOT, "scenarios", "reference.yaml")
CARD_PRICE = 0.06   # constant in the variants, so that revenue / order value counts orders
CARDS_PER_ORDER = 4


def base_scenario():
    with open(REFERENCE, encoding="utf-8") as f:
        s = yaml.safe_load(f)
    s["company"]["cash"] = 90000          # never runs out (the loader warns above 100 000 M RMB)
    s["company"].pop("raises", None)
    s["product"]["card_price"] = CARD_PRICE
    isv = s["channels"]["isv"]
    isv["p_large"] = 0
    isv["cards_per_order"] = CARDS_PER_ORDER
    isv["price_factor"] = 1.0
    return s


def set_isvs(s, n):
    isv = s["channels"]["isv"]
    if n == 0:
        del s["channels"]["isv"]
        return
    per = n // 3
    for ind in isv["industries"]:
        ind["isvs"] = per
    isv["engagements_per_year"] = 10.0 * n / 60.0


def set_orders(s, n):
    s["channels"]["isv"]["orders_per_year"] = n


def set_projects(s, n):
    if n == 0:
        del s["channels"]["government"]
    else:
        s["channels"]["government"]["projects_per_year"] = n


def set_copies(channel, key):
    def f(s, n):
        base = s["channels"][channel][key]
        if n == 0:
            del s["channels"][channel]
            return
        out = []
        for k in range(n):
            e = copy.deepcopy(base[k % len(base)])
            e["name"] = f"{e['name']} #{k // len(base)}" if k >= len(base) else e["name"]
            out.append(e)
        s["channels"][channel][key] = out
    return f


CHANNEL_ORDER = ["internet", "carriers", "government", "isv"]


def set_channels(s, n):
    for ch in CHANNEL_ORDER[n:]:
        del s["channels"][ch]


def set_years(s, n):
    s["years"] = n


DIMENSIONS = [
    ("channels", "channel", set_channels, [0, 1, 2, 3, 4]),
    ("isvs", "ISV", set_isvs, [0, 30, 60, 120]),
    ("orders", "unit of orders_per_year", set_orders, [0, 3, 6, 12]),
    ("projects", "unit of projects_per_year", set_projects, [0, 1.5, 3, 6]),
    ("accounts", "internet account", set_copies("internet", "accounts"), [0, 6, 12, 24]),
    ("operators", "operator", set_copies("carriers", "operators"), [0, 3, 6, 12]),
    ("years", "fiscal year", set_years, [3, 6, 9, 12]),
]


def run(revsim, path, trials, out):
    """The run's JSON and the CPU seconds (user + system) of its process."""
    p = subprocess.Popen([revsim, "-q", "run", path, "--trials", str(trials), "--threads", "1", "--seed", "1",
                          "--format", "json", "-o", out])
    _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        raise SystemExit(f"bench/scaling.py: {revsim} run {path} failed (status {status})")
    with open(out, encoding="utf-8") as f:
        return json.load(f), usage.ru_utime + usage.ru_stime


def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return b, my - b * mx


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--revsim", default=os.path.join(ROOT, "build", "bin", "revsim"))
    ap.add_argument("--trials", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="2 000 trials, one round")
    ap.add_argument("--only", help="comma-separated dimensions (default: all)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    a = ap.parse_args()
    if a.quick:
        a.trials, a.rounds = 2000, 1
    if a.trials < 2 or a.rounds < 1:
        ap.error("--trials must be at least 2 and --rounds at least 1")
    if not os.access(a.revsim, os.X_OK):
        ap.error(f"--revsim {a.revsim}: not an executable (build it first: scripts/run or cmake --build build)")
    only = set(a.only.split(",")) if a.only else None
    if only and not only <= {d[0] for d in DIMENSIONS}:
        ap.error(f"--only: unknown dimension(s) {sorted(only - {d[0] for d in DIMENSIONS})}")
    tmp = tempfile.mkdtemp(prefix="revsim-scaling-")
    report = {}
    for name, unit, setter, levels in DIMENSIONS:
        if only and name not in only:
            continue
        paths = []
        for lv in levels:
            s = base_scenario()
            setter(s, lv)
            p = os.path.join(tmp, f"{name}-{lv}.yaml")
            with open(p, "w", encoding="utf-8") as f:
                yaml.safe_dump(s, f, allow_unicode=True, sort_keys=False)
            paths.append(p)
        best = [float("inf")] * len(levels)
        result = [None] * len(levels)
        out = os.path.join(tmp, "out.json")
        for r in range(a.rounds):
            order = list(range(len(levels)))
            if r % 2:
                order.reverse()
            for i in order:
                res, cpu = run(a.revsim, paths[i], a.trials, out)
                _, cpu1 = run(a.revsim, paths[i], 1, out)   # the process's own cost: start, load, output
                best[i] = min(best[i], max(cpu - cpu1, 0.0) / (a.trials - 1))
                result[i] = res
        us = [1e6 * b for b in best]
        rows = []
        print(f"\n{name}: µs per trial at each level", flush=True)
        for lv, u, res in zip(levels, us, result):
            extra = ""
            if name == "orders":
                isv = sum(y["channels"]["isv"]["mean"] for y in res["years"])
                extra = f"   {isv / (CARD_PRICE * CARDS_PER_ORDER):8.1f} orders per trial"
            print(f"  {lv:>6}: {u:8.2f} µs{extra}")
            rows.append({"level": lv, "us_per_trial": u})
        if name == "channels":
            adds = ", ".join(f"+{CHANNEL_ORDER[i]} {us[i + 1] - us[i]:.2f}" for i in range(len(levels) - 1))
            print(f"  no channel {us[0]:.2f} µs; {adds} µs", flush=True)
            report[name] = {"unit": unit, "levels": rows}
            continue
        b, c = slope(levels, us)
        line = f"  slope {b:.3f} µs per {unit}, intercept {c:.2f} µs"
        if name == "orders":
            isv = [sum(y["channels"]["isv"]["mean"] for y in r_["years"]) / (CARD_PRICE * CARDS_PER_ORDER)
                   for r_ in result]
            bo, _ = slope(isv, us)
            line += f"; {bo * 1000:.1f} ns per order"
            for row, n in zip(rows, isv):
                row["orders_per_trial"] = n
        print(line, flush=True)
        report[name] = {"unit": unit, "levels": rows, "slope_us": b, "intercept_us": c}
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
