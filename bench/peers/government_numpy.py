#!/usr/bin/python3
"""The government sub-model of docs/model.md (section 4.3 with the conventions of section 8),
vectorised with numpy: the peer baseline of scripts/bench and of docs/performance.md.

    /usr/bin/python3 bench/peers/government_numpy.py SCENARIO.yaml [--trials N] [--chunk N]
                                                     [--seed S] [--json]

It reads the same YAML as revsim (defaults of docs/model.md section 7), runs N trials in
vectorised chunks on one core and prints trial-years/s with the yearly mean revenue (and its
standard error) and P(failure). What it models, per trial:

- Poisson arrivals of `projects_per_year` from `first_month` to the horizon H (a Poisson count
  over [first_month, H) with times uniform on it, as revsim draws it since round four of issue 14);
- per project: `value`, `sales_cycle_months` (due = arrival + cycle), slips (each an independent
  draw with `p_slip`, at most floor(`max_slips`) times, a year each), the decision at the final
  due time tau when tau < H: won with min(1, p_win x (M/M0)^e), M the software maturity of month
  floor(tau) (M = min(1, M0 + growth_per_year x month / 12): with only the government present
  there are no branches and no ISV boost), e the channel's `maturity_elasticity`;
- a win is turnkey with `turnkey_p` (revenue `value`, integration cost value x
  `turnkey_cost_share` spread uniformly over [tau, tau + delivery), all in month floor(tau) when
  the delivery is 0) or subcontracted (revenue value x `subcontract_share`); revenue is
  recognised in month floor(tau + `delivery_months`) if inside the horizon; the customer's
  advance (`advance_share` of the revenue) comes in month floor(tau) and is settled at delivery
  end;
- the company: cash from `company.cash`, each month cash += revenue x gross_margin - burn -
  integration cost + advances - settlements; the first month with cash < 0 is the failure month
  (its revenue counts, nothing after). Revenue by fiscal year as in section 1.

What it does NOT model, and refuses (exit 2 with the key) when the scenario asks for it: any other
channel, named projects or a backlog, fund-raises, booked revenue, correlated luck for the
government (market.within_channel_correlation.government must be 0: each win is then an
independent draw, Phi(eps) < p being U < p), and the sales team leaving (p_sales_leave must be 0:
the patience checks then change nothing). bench/scenarios/government-only.yaml is written to
these limits; tests/peers/check_government_numpy.py checks the yearly means against revsim's.

Random numbers are numpy's PCG64, not revsim's streams: the two agree in distribution, not trial
by trial.
"""
import os

# One core: numpy's random generators are single-threaded, but keep any BLAS pool at one thread.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import yaml  # noqa: E402

Z95 = 1.6448536269514722  # Phi(Z95) = 0.95: a lognormal's [p5, p95] spans mu +- Z95 sigma
BIG = 1e12

# Valid ranges (docs/model.md section 7) of the keys read here: a normal is truncated to them.
RANGES = {
    "cash": (0, BIG), "burn_per_month": (0, BIG), "gross_margin": (-1, 1),
    "maturity": (0, 1), "growth_per_year": (0, BIG),
    "projects_per_year": (0, 1000), "first_month": (0, BIG), "sales_cycle_months": (0, BIG),
    "value": (0, BIG), "p_slip": (0, 1), "max_slips": (0, 100), "p_win": (0, 1),
    "turnkey_p": (0, 1), "turnkey_cost_share": (0, 1), "subcontract_share": (0, 1),
    "delivery_months": (0, BIG), "advance_share": (0, 1), "p_sales_leave": (0, 1),
}

DEFAULTS = {
    "cash": 1000, "burn_per_month": 40, "gross_margin": 0.5,
    "maturity": 0.5, "growth_per_year": 0.1,
    "maturity_elasticity": 0.3,
    "projects_per_year": {"uniform": [1, 5]}, "first_month": 0,
    "sales_cycle_months": {"lognormal": [6, 24]}, "value": {"lognormal": [200, 2000]},
    "p_slip": 0.4, "max_slips": 2, "p_win": 0.3, "turnkey_p": 0.5,
    "turnkey_cost_share": {"uniform": [0.15, 0.35]}, "subcontract_share": {"uniform": [0.2, 0.4]},
    "delivery_months": {"uniform": [3, 12]}, "advance_share": 0.3,
    "sales_patience_months": 30, "p_sales_leave": 0.5, "rehire_months": 6,
}


class Refused(Exception):
    """A scenario this baseline does not model."""


class Dist:
    """A value of docs/model.md section 2: a constant or one of the distributions."""

    def __init__(self, key, spec):
        self.key = key
        self.lo, self.hi = RANGES.get(key, (-math.inf, math.inf))
        if isinstance(spec, bool) or not isinstance(spec, (int, float, dict)):
            raise Refused(f"{key}: expected a number or a distribution, got {spec!r}")
        if isinstance(spec, (int, float)):
            self.kind, self.a = "constant", [float(spec)]
            return
        if len(spec) != 1:
            raise Refused(f"{key}: a distribution is one key, got {spec!r}")
        (self.kind, args), = spec.items()
        self.a = [float(x) for x in args]
        if self.kind == "lognormal":
            p5, p95 = self.a
            self.mu = 0.5 * (math.log(p5) + math.log(p95))
            self.sigma = (math.log(p95) - math.log(p5)) / (2 * Z95)
        elif self.kind == "pert":
            a, b, c = self.a
            self.alpha = 1 + 4 * (b - a) / (c - a)
            self.beta = 1 + 4 * (c - b) / (c - a)
        elif self.kind not in ("uniform", "uniform_int", "triangular", "normal", "beta"):
            raise Refused(f"{key}: unknown distribution {self.kind!r}")

    def constant(self):
        return self.a[0] if self.kind == "constant" else None

    def sample(self, rng, n):
        a = self.a
        k = self.kind
        if k == "constant":
            return np.full(n, a[0])
        if k == "uniform":
            return a[0] + (a[1] - a[0]) * rng.random(n)
        if k == "uniform_int":
            return a[0] + np.floor(rng.random(n) * (a[1] - a[0] + 1))
        if k == "triangular":
            return rng.triangular(a[0], a[1], a[2], n)
        if k == "pert":
            return a[0] + (a[2] - a[0]) * rng.beta(self.alpha, self.beta, n)
        if k == "lognormal":
            return np.exp(self.mu + self.sigma * rng.standard_normal(n))
        if k == "beta":
            return rng.beta(a[0], a[1], n)
        # normal, truncated to the key's valid range by rejection (as revsim does)
        x = a[0] + a[1] * rng.standard_normal(n)
        bad = (x < self.lo) | (x > self.hi)
        while bad.any():
            x[bad] = a[0] + a[1] * rng.standard_normal(int(bad.sum()))
            bad = (x < self.lo) | (x > self.hi)
        return x


def _block(d, key):
    v = (d or {}).get(key)
    if v is not None and not isinstance(v, dict):
        raise Refused(f"{key}: expected a block")
    return v or {}


class Model:
    """The parameters of a government-only scenario (docs/model.md section 7 defaults)."""

    def __init__(self, doc):
        doc = doc or {}
        s = int(doc.get("start_month_in_year", 1))
        self.years = int(doc.get("years", 5))
        self.start_year = int(doc.get("start_year", 2023))
        self.H = 12 * self.years - (s - 1)
        self.seed = int(doc.get("seed", 1))
        # Fiscal year of each month (section 1): year(t) = floor((t + s - 1) / 12).
        self.year_of = (np.arange(self.H) + s - 1) // 12
        booked = doc.get("booked") or {}
        if any(float(v) != 0 for v in booked.values()):
            raise Refused("booked: revenue booked before month 0 is not modelled")
        company = _block(doc, "company")
        if company.get("raises"):
            raise Refused("company.raises: fund-raises are not modelled")
        self.company = {k: Dist(k, company.get(k, DEFAULTS[k])) for k in ("cash", "burn_per_month", "gross_margin")}
        software = _block(doc, "software")
        self.software = {k: Dist(k, software.get(k, DEFAULTS[k])) for k in ("maturity", "growth_per_year")}
        market = _block(doc, "market")
        rho = market.get("within_channel_correlation", 0.2)
        rho_g = rho.get("government", 0.2) if isinstance(rho, dict) else rho
        if float(rho_g) != 0:
            raise Refused("market.within_channel_correlation.government: must be 0 (correlated luck is not modelled)")
        channels = _block(doc, "channels")
        for other in ("internet", "carriers", "isv"):
            if other in channels:
                raise Refused(f"channels.{other}: only the government channel is modelled")
        if "government" not in channels:
            raise Refused("channels.government: the scenario has no government channel")
        g = channels.get("government") or {}
        if g.get("projects") or g.get("backlog"):
            raise Refused("channels.government.projects/backlog: named projects and a backlog are not modelled")
        self.elasticity = float(g.get("maturity_elasticity", DEFAULTS["maturity_elasticity"]))
        keys = ("projects_per_year", "first_month", "sales_cycle_months", "value", "p_slip", "max_slips", "p_win",
                "turnkey_p", "turnkey_cost_share", "subcontract_share", "delivery_months", "advance_share",
                "p_sales_leave")
        self.g = {k: Dist(k, g.get(k, DEFAULTS[k])) for k in keys}
        if self.g["p_sales_leave"].constant() != 0:
            raise Refused("channels.government.p_sales_leave: must be 0 (the sales team leaving is not modelled)")


def _sum_at(index, weights, size):
    """Sums of `weights` by flat index, as float64 (bincount of nothing gives integers)."""
    return np.bincount(index, weights, size).astype(np.float64, copy=False)


def simulate_chunk(m, rng, n):
    """n trials; returns (revenue by fiscal year [n, years], failure month [n], -1 = none)."""
    H = m.H
    g = m.g
    cash0 = m.company["cash"].sample(rng, n)
    burn = m.company["burn_per_month"].sample(rng, n)
    margin = m.company["gross_margin"].sample(rng, n)
    M0 = m.software["maturity"].sample(rng, n)
    growth = m.software["growth_per_year"].sample(rng, n)
    rate = g["projects_per_year"].sample(rng, n)
    first = g["first_month"].sample(rng, n)

    # Arrivals: a Poisson process of `rate` a year on [first, H).
    span = np.maximum(H - first, 0.0)
    count = rng.poisson(rate * span / 12.0)
    trial = np.repeat(np.arange(n), count)
    t = first[trial] + span[trial] * rng.random(trial.size)
    due = t + g["sales_cycle_months"].sample(rng, trial.size)
    # Only a project that falls due inside the horizon can be decided there (slips only delay).
    keep = due < H
    trial, tau = trial[keep], due[keep]
    k = trial.size
    # Slips: at each due time inside the horizon, slip a year with p_slip while slips < max_slips.
    p_slip = g["p_slip"].sample(rng, k)
    max_slips = np.floor(g["max_slips"].sample(rng, k))
    slipping = np.ones(k, dtype=bool)
    for j in range(int(min(max_slips.max(initial=0), m.years + 1))):
        s = slipping & (j < max_slips) & (tau < H)
        s &= rng.random(k) < p_slip
        tau[s] += 12.0
        slipping = s
    keep = tau < H
    trial, tau = trial[keep], tau[keep]
    k = trial.size
    # The decision in month floor(tau): won with min(1, p_win x (M / M0)^e).
    month = np.floor(tau)
    p = g["p_win"].sample(rng, k)
    if m.elasticity != 0:
        M = np.minimum(1.0, M0[trial] + growth[trial] * month / 12.0)
        p = p * (M / M0[trial]) ** m.elasticity
    won = rng.random(k) < p
    trial, tau, month = trial[won], tau[won], month[won].astype(np.int64)
    k = trial.size
    turnkey = rng.random(k) < g["turnkey_p"].sample(rng, k)
    value = g["value"].sample(rng, k)
    sub = g["subcontract_share"].sample(rng, k)
    cost_share = g["turnkey_cost_share"].sample(rng, k)
    delivery = g["delivery_months"].sample(rng, k)
    advance = g["advance_share"].sample(rng, k)
    revenue = np.where(turnkey, value, value * sub)
    advance = advance * revenue
    end = tau + delivery
    rec = end < H
    rec_trial, rec_month, rec_revenue = trial[rec], np.floor(end[rec]).astype(np.int64), revenue[rec]
    # Cash flows by (trial, month), gathered sparse and summed once: the advance at the win, the
    # revenue x gross margin net of the advance at delivery end, the turnkey integration cost
    # (value x cost_share, uniform over [tau, tau + delivery), all in month floor(tau) if 0).
    index = [trial * H + month, rec_trial * H + rec_month]
    weight = [advance, rec_revenue * margin[rec_trial] - advance[rec]]
    tk = turnkey & (cost_share > 0)
    total, a, b, d, base = value[tk] * cost_share[tk], tau[tk], end[tk], delivery[tk], trial[tk] * H
    at0 = d <= 0
    index.append(base[at0] + month[tk][at0])
    weight.append(-total[at0])
    total, a, b, d, base = total[~at0], a[~at0], b[~at0], d[~at0], base[~at0]
    m0 = np.floor(a)
    for j in range(int(np.ceil((b - m0).max(initial=0.0)))):
        mm = m0 + j
        share = np.minimum(b, mm + 1.0) - np.maximum(a, mm)
        inside = (mm < H) & (share > 0)
        index.append(base[inside] + mm[inside].astype(np.int64))
        weight.append(-total[inside] * share[inside] / d[inside])
    cash = _sum_at(np.concatenate(index), np.concatenate(weight), n * H).reshape(n, H)
    cash -= burn[:, None]
    np.cumsum(cash, axis=1, out=cash)
    cash += cash0[:, None]
    broke = cash < 0
    fail_month = np.where(broke.any(axis=1), broke.argmax(axis=1), -1)
    # Failure in month f: its revenue counts, nothing after.
    last = np.where(fail_month >= 0, fail_month, H)
    ok = rec_month <= last[rec_trial]
    Y = m.years
    by_year = _sum_at(rec_trial[ok] * Y + m.year_of[rec_month[ok]], rec_revenue[ok], n * Y).reshape(n, Y)
    return by_year, fail_month


def run(model, trials, seed=None, chunk=2000):
    """Runs `trials` trials; returns the summary dict (means, standard errors, throughput)."""
    rng = np.random.default_rng(model.seed if seed is None else seed)
    Y = model.years
    s1, s2, alive, fails, done = np.zeros(Y), np.zeros(Y), np.zeros(Y), 0, 0
    # Alive through fiscal year y: no failure before the first month of year y + 1.
    year_end = np.r_[np.flatnonzero(np.diff(model.year_of) != 0) + 1, model.H]
    # Per core: CPU time of this (single-threaded) process, as Google Benchmark's items/s of
    # revsim's BM_Trials; wall time is reported beside it.
    t0, w0 = time.process_time(), time.perf_counter()
    while done < trials:
        n = min(chunk, trials - done)
        by_year, fail_month = simulate_chunk(model, rng, n)
        s1 += by_year.sum(axis=0)
        s2 += (by_year * by_year).sum(axis=0)
        fails += int((fail_month >= 0).sum())
        alive += ((fail_month[:, None] < 0) | (fail_month[:, None] >= year_end[None, :])).sum(axis=0)
        done += n
    seconds = time.process_time() - t0
    wall = time.perf_counter() - w0
    mean = s1 / trials
    var = np.maximum(s2 - trials * mean * mean, 0.0) / max(trials - 1, 1)
    p_fail = fails / trials
    return {
        "trials": trials,
        "seconds": seconds,
        "wall_seconds": wall,
        "trials_per_second": trials / seconds,
        "trial_years_per_second": trials * Y / seconds,
        "years": [model.start_year + y for y in range(Y)],
        "mean": mean.tolist(),
        "se": np.sqrt(var / trials).tolist(),
        "p_alive": (alive / trials).tolist(),
        "p_alive_se": np.sqrt(alive / trials * (1 - alive / trials) / trials).tolist(),
        "p_fail": p_fail,
        "p_fail_se": math.sqrt(p_fail * (1 - p_fail) / trials),
    }


def load(path):
    with open(path, encoding="utf-8") as f:
        return Model(yaml.safe_load(f))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--trials", type=int, default=200_000)
    ap.add_argument("--chunk", type=int, default=2000,
                    help="trials per vectorised chunk (default 2000: the fastest measured, its arrays stay in cache)")
    ap.add_argument("--seed", type=int, default=None, help="default: the scenario's seed")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    a = ap.parse_args(argv)
    if a.trials < 1 or a.chunk < 1:
        ap.error("--trials and --chunk must be at least 1")
    try:
        model = load(a.scenario)
    except (Refused, OSError, yaml.YAMLError, ValueError, TypeError) as e:
        print(f"government_numpy: {a.scenario}: {e}", file=sys.stderr)
        return 2
    r = run(model, a.trials, a.seed, a.chunk)
    if a.json:
        print(json.dumps(r, indent=1))
        return 0
    print(f"numpy {np.__version__}, {a.trials} trials in {r['seconds']:.2f} s of CPU "
          f"({r['wall_seconds']:.2f} s wall): "
          f"{r['trials_per_second']:.0f} trials/s, {r['trial_years_per_second']:.0f} trial-years/s (1 core)")
    for y, mu, se, pa in zip(r["years"], r["mean"], r["se"], r["p_alive"]):
        print(f"  {y}  mean revenue {mu:10.2f} M RMB  (se {se:.2f})  P(alive at year end) {pa:.4f}")
    print(f"  P(failure) {r['p_fail']:.4f} (se {r['p_fail_se']:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
