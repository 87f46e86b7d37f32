#!/usr/bin/python3
"""bench/scaling.py builds the variants it says it builds (not timed: the test reads the revenue
the runs report, which does not depend on the machine).

Runs the `orders` and `channels` dimensions with 1 000 trials, one round, and checks:
- the JSON has every level of both, each with a finite, non-negative µs per trial;
- orders per trial (ISV revenue over the order value) are 0 at orders_per_year 0 and grow with
  the rate: twice the rate gives twice the orders in expectation; with common random numbers the
  ratio of the two 1 000-trial means is within 2 ± 0.2 (about 7 standard errors: the orders of
  one trial have a coefficient of variation under 0.5, so the ratio's is under 0.03);
- a bad --only is refused with exit 2.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    revsim = sys.argv[1]
    script = os.path.join(ROOT, "bench", "scaling.py")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "s.json")
        subprocess.run(["/usr/bin/python3", script, "--revsim", revsim, "--trials", "1000", "--rounds", "1",
                        "--only", "orders,channels", "--json", out], check=True, stdout=subprocess.DEVNULL)
        with open(out, encoding="utf-8") as f:
            r = json.load(f)
    assert set(r) == {"orders", "channels"}, sorted(r)
    assert [x["level"] for x in r["channels"]["levels"]] == [0, 1, 2, 3, 4]
    orders = r["orders"]["levels"]
    assert [x["level"] for x in orders] == [0, 3, 6, 12]
    for x in orders + r["channels"]["levels"]:
        assert math.isfinite(x["us_per_trial"]) and x["us_per_trial"] >= 0, x
    n = [x["orders_per_trial"] for x in orders]
    assert n[0] == 0, n
    assert 0 < n[1] < n[2] < n[3], n
    for lo, hi in ((1, 2), (2, 3)):
        ratio = n[hi] / n[lo]
        assert 1.8 < ratio < 2.2, (lo, hi, n)
    bad = subprocess.run(["/usr/bin/python3", script, "--revsim", revsim, "--only", "widgets"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "widgets" in bad.stderr, (bad.returncode, bad.stderr)
    print(f"bench/scaling.py: ok (orders per trial {n[1]:.1f}, {n[2]:.1f}, {n[3]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
