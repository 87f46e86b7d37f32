"""The Python package against the command line and against hand-checked facts.

Run by ctest (tests/CMakeLists.txt) as
    PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python
with REVSIM_CLI pointing at build/bin/revsim and REVSIM_ROOT at the source tree.
"""

import json
import os
import signal
import subprocess
import tempfile
import threading
import time

import numpy as np
import pandas as pd
import pytest

import revsim

ROOT = os.environ.get("REVSIM_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("REVSIM_CLI", os.path.join(ROOT, "build", "bin", "revsim"))
EXAMPLE = os.path.join(ROOT, "scenarios", "example.yaml")
PIPELINE = os.path.join(ROOT, "scenarios", "pipeline-today.yaml")


def cli_json(*args):
    out = subprocess.run([CLI, *args, "--format", "json", "-q"], check=True, capture_output=True, text=True).stdout
    return out


def without_runtime(text):
    doc = json.loads(text)
    doc.pop("runtime", None)
    for s in doc.get("scenarios", []):
        s.get("results", {}).pop("runtime", None)
    return json.dumps(doc, sort_keys=False)


def test_run_matches_the_command_line_byte_for_byte():
    r = revsim.run(revsim.load(EXAMPLE), trials=3000, seed=7, threads=2)
    cli = cli_json("run", EXAMPLE, "--trials", "3000", "--seed", "7")
    # Identical text once the runtime block (timings) is taken out of both.
    strip = lambda t: t[: t.index('  "runtime"')]
    assert strip(r.to_json()) == strip(cli)


def test_years_table_has_one_row_per_fiscal_year_with_the_json_values():
    s = revsim.load(EXAMPLE)
    r = revsim.run(s, trials=2000, seed=3)
    years = r.years
    assert isinstance(years, pd.DataFrame)
    assert list(years.index) == list(range(s.start_year, s.start_year + s.years))
    for y in r.data["years"]:
        assert years.loc[y["year"], "mean"] == y["mean"]
        assert years.loc[y["year"], "p_threshold"] == y["p_threshold"]
        # P5 <= P50 <= P95 and the standard error of a proportion, sqrt(p (1 - p) / N).
        assert y["p5"] <= y["p50"] <= y["p95"]
        p = y["p_threshold"]
        assert y["p_threshold_se"] == pytest.approx((p * (1 - p) / 2000) ** 0.5, rel=1e-12)
    ch = r.channels
    assert set(ch.index.get_level_values("channel")) == set(revsim.CHANNELS)
    # The channels' means add up to the year's mean (MODEL: channels sum to the total in every trial).
    sums = ch["mean"].groupby(level="year").sum()
    assert np.allclose(sums.values, years["mean"].values, rtol=1e-9, atol=1e-9)


def test_threads_do_not_change_results():
    s = revsim.load(EXAMPLE)
    a = revsim.run(s, trials=1500, seed=11, threads=1).data
    b = revsim.run(s, trials=1500, seed=11, threads=2).data
    a.pop("runtime"), b.pop("runtime")
    assert a == b


def test_samples_agree_with_the_summary_and_share_memory():
    r = revsim.run(EXAMPLE, trials=1000, seed=5, samples=True)
    arrays = r.samples(frame=False)
    totals = arrays["totals"]
    assert totals.shape == (1000, len(r.data["years"]))
    assert not totals.flags["OWNDATA"]  # a view on the run's memory, not a copy
    # Channels add up to the total in every trial.
    assert np.allclose(arrays["revenue"].sum(axis=2), totals, rtol=1e-12, atol=1e-9)
    # The summary's mean and P(>= threshold) are those of the samples.
    thr = r.data["threshold"]
    for k, y in enumerate(r.data["years"]):
        assert totals[:, k].mean() == pytest.approx(y["mean"], rel=1e-12)
        assert (totals[:, k] >= thr).mean() == pytest.approx(y["p_threshold"], abs=1e-15)
    df = r.samples()
    assert len(df) == 1000 * len(r.data["years"])
    assert list(df.columns) == ["trial", "year", "total", *revsim.CHANNELS, "listed", "fail_month", "cash",
                                *("input:" + n for n in arrays["input_names"])]
    first = df[df.trial == 0]
    assert np.array_equal(first["total"].values, totals[0])
    listed_share = df.groupby("year")["listed"].mean()
    for y in r.data["years"]:
        assert listed_share.loc[y["year"]] == pytest.approx(y["p_listing"], abs=1e-15)


CASH_ONLY = """name: cash-only
start_year: 2023
years: 4
company: {cash: 250, burn_per_month: 10, poc_capacity: 1000, valuation: {uniform: [1000, 2000]}}
product: {card_price: 0.05, tco_advantage: 1.5}
software: {maturity: 1.0, growth_per_year: 0}
market:
  nvidia: {gain_per_release: 1}
"""


def test_samples_cash_at_year_ends_is_hand_computed():
    # 250 M RMB, burn 10 a month, no revenue: 130 and 10 at the ends of 2023 and 2024, then the
    # cash runs out in month 25: no balance (NaN) for 2025 and 2026.
    r = revsim.run(revsim.loads(CASH_ONLY), trials=4, seed=1, samples=True)
    a = r.samples(frame=False)
    assert a["input_names"] == ["company.valuation"]
    assert a["cash"].shape == (4, 4) and a["inputs"].shape == (4, 1)
    for t in range(4):
        assert a["cash"][t, 0] == 130.0 and a["cash"][t, 1] == 10.0
        assert np.isnan(a["cash"][t, 2:]).all()
        assert 1000 <= a["inputs"][t, 0] <= 2000
    df = r.samples()
    assert list(df[df.trial == 0]["cash"].fillna(-1)) == [130.0, 10.0, -1, -1]
    # The input repeats on each of the trial's year rows.
    assert (df.groupby("trial")["input:company.valuation"].nunique() == 1).all()
    assert list(df[df.year == 2023]["input:company.valuation"]) == list(a["inputs"][:, 0])


def test_samples_inputs_and_cash_are_the_command_lines():
    r = revsim.run(EXAMPLE, trials=300, seed=5, samples=True)
    a = r.samples(frame=False)
    assert len(a["input_names"]) > 10
    assert not a["inputs"].flags["OWNDATA"]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "s.csv")
        subprocess.run([CLI, "-q", "run", EXAMPLE, "--trials", "300", "--seed", "5", "--samples", path],
                       check=True, capture_output=True)
        csv = pd.read_csv(path, float_precision="round_trip")
    assert [c[len("input:"):] for c in csv.columns if c.startswith("input:")] == list(a["input_names"])
    for i, name in enumerate(a["input_names"]):
        assert np.array_equal(csv["input:" + name].values, a["inputs"][:, i], equal_nan=True), name
    years = [y["year"] for y in r.data["years"]]
    for k, y in enumerate(years):
        assert np.array_equal(csv[f"{y}_cash"].values, a["cash"][:, k], equal_nan=True), y
        # No balance exactly when not alive at the year's end.
        assert (csv[f"{y}_cash"].isna() == (csv[f"{y}_alive"] == 0)).all()


def test_compare_samples_are_one_block_per_scenario_paired_by_trial():
    other = os.path.join(ROOT, "scenarios", "carrier-bet.yaml")
    c = revsim.compare([EXAMPLE, other], trials=400, seed=3, samples=True)
    plain = revsim.compare([EXAMPLE, other], trials=400, seed=3)
    assert without_runtime(c.to_json()) == without_runtime(plain.to_json())
    df = c.samples()
    assert list(df.columns[:3]) == ["scenario", "trial", "year"]
    names = [s["scenario"] for s in c.data["scenarios"]]
    assert list(df["scenario"].unique()) == names
    # Each block is the run of that scenario with the same seed: trial t is the same draw.
    for name, path in zip(names, (EXAMPLE, other)):
        block = df[df.scenario == name].drop(columns="scenario").reset_index(drop=True)
        own = revsim.run(path, trials=400, seed=3, samples=True).samples()
        pd.testing.assert_frame_equal(block[own.columns], own)
        # Keys the other scenario lacks are NaN in this block.
        assert block.drop(columns=own.columns).isna().all().all()
    arrays = c.samples(frame=False)
    assert [a["scenario"] for a in arrays] == names
    assert arrays[0]["totals"].shape == (400, len(c.data["scenarios"][0]["years"]))
    # Common random numbers: with one key changed, every other key draws the same value in the
    # same trial.
    changed = revsim.load(EXAMPLE, set={"company.burn_per_month": 33})
    a, b = revsim.compare([EXAMPLE, changed], trials=200, seed=3, samples=True).samples(frame=False)
    shared = [n for n in a["input_names"] if n in b["input_names"]]
    assert len(shared) > 10 and "company.burn_per_month" not in b["input_names"]
    for n in shared:
        i, j = a["input_names"].index(n), b["input_names"].index(n)
        assert np.array_equal(a["inputs"][:, i], b["inputs"][:, j], equal_nan=True), n


def test_compare_samples_of_a_scenario_with_itself_are_identical():
    c = revsim.compare([EXAMPLE, EXAMPLE], trials=200, seed=2, samples=True)
    a, b = c.samples(frame=False)
    for key in ("totals", "revenue", "cash", "inputs", "fail_month", "listing"):
        assert np.array_equal(a[key], b[key], equal_nan=True), key
    with pytest.raises(ValueError, match="samples=True"):
        revsim.compare([EXAMPLE, EXAMPLE], trials=10, seed=2).samples()


def test_samples_need_samples_true():
    r = revsim.run(EXAMPLE, trials=100, seed=1)
    with pytest.raises(ValueError, match="samples=True"):
        r.samples()


def test_overrides_apply_like_set():
    base = revsim.run(revsim.load(EXAMPLE), trials=1000, seed=2)
    none = revsim.run(revsim.load(EXAMPLE, set={"channels.government.projects_per_year": 0}), trials=1000, seed=2)
    cli = json.loads(cli_json("run", EXAMPLE, "--trials", "1000", "--seed", "2", "--set",
                              "channels.government.projects_per_year=0"))
    assert [y["mean"] for y in cli["years"]] == list(none.years["mean"])
    # The other channels' streams are untouched (common random numbers): while no trial has
    # failed yet (P(alive) = 1 in both), their revenue is the same to the last bit.
    gov = lambda r: r.channels.xs("government", level="channel")["mean"]
    isv = lambda r: r.channels.xs("isv", level="channel")["mean"]
    y0 = base.years.index[0]
    assert base.years.loc[y0, "p_alive"] == 1 and none.years.loc[y0, "p_alive"] == 1
    assert isv(none).loc[y0] == isv(base).loc[y0]
    # Without arrivals only the named projects and the backlog remain: nothing in the last year.
    assert gov(none).iloc[-1] == 0 and gov(base).iloc[-1] > 0


def test_scenario_error_carries_file_line_column(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nyears: 5\ncompany:\n  cash: -3\n")
    with pytest.raises(revsim.ScenarioError) as e:
        revsim.load(str(bad))
    assert isinstance(e.value, ValueError)
    assert str(e.value).startswith(f"{bad}:4:")
    assert e.value.file == str(bad)
    assert e.value.line == 4
    assert e.value.column > 0
    assert e.value.path == "company.cash"


def test_loads_names_the_text_in_errors():
    with pytest.raises(revsim.ScenarioError, match=r"^notebook:1:"):
        revsim.loads("years: [1, 2]\n", name="notebook")


def test_bad_override_names_the_option():
    with pytest.raises(revsim.ScenarioError, match="company.cash"):
        revsim.load(EXAMPLE, set={"company.cash": "lots"})


def test_bad_trials_raise():
    with pytest.raises(ValueError, match="trials"):
        revsim.run(EXAMPLE, trials=0)


def test_compare_matches_the_command_line():
    other = os.path.join(ROOT, "scenarios", "carrier-bet.yaml")
    c = revsim.compare([revsim.load(EXAMPLE), revsim.load(other)], trials=1000, seed=4)
    cli = cli_json("compare", EXAMPLE, other, "--trials", "1000", "--seed", "4")
    assert without_runtime(c.to_json()) == without_runtime(cli)
    years = c.years
    assert years.index.names == ["scenario", "year"]
    # The baseline against itself: no paired statistics (NaN), the others' are numbers.
    base = years.xs(c.data["scenarios"][0]["scenario"], level="scenario")
    paired = ["mean_diff", "se_paired", "se_independent", "p_threshold_diff", "p_threshold_diff_se", "p_greater",
              "p_baseline_greater"]
    assert base[paired].isna().all().all()
    assert years.xs(c.data["scenarios"][1]["scenario"], level="scenario")[paired].notna().all().all()


def test_sweep_rows_equal_single_runs():
    grid = {"company.cash": [300, 900]}
    df = revsim.sweep(EXAMPLE, grid, trials=800, seed=9)
    years = revsim.load(EXAMPLE).years
    assert len(df) == 2 * years
    for cash in (300, 900):
        one = revsim.run(revsim.load(EXAMPLE, set={"company.cash": cash}), trials=800, seed=9)
        got = df[df["company.cash"] == cash].set_index("year")
        assert list(got["mean"]) == list(one.years["mean"])
        assert list(got["p_alive"]) == list(one.years["p_alive"])
    # More cash never lowers survival on common random numbers.
    a = df[df["company.cash"] == 300].set_index("year")["p_alive"]
    b = df[df["company.cash"] == 900].set_index("year")["p_alive"]
    assert (b >= a).all()


def test_sensitivity_matches_the_command_line():
    doc = revsim.sensitivity(EXAMPLE, stat="mean", year=2025, trials=300, seed=3)
    cli = json.loads(cli_json("sensitivity", EXAMPLE, "--stat", "mean", "--year", "2025", "--trials", "300",
                              "--seed", "3"))
    table = doc.pop("table")
    assert doc == cli
    assert list(table["parameter"]) == [r["parameter"] for r in cli["parameters"]]
    assert list(table["swing"]) == sorted(table["swing"], reverse=True)  # largest swing first


def test_backtest_and_calibrate_run():
    hist = os.path.join(ROOT, "scenarios", "history")
    files = sorted(os.path.join(hist, f) for f in os.listdir(hist) if f.endswith(".yaml"))
    doc = revsim.backtest(files, trials=500, seed=1)
    cli = json.loads(cli_json("backtest", *files, "--trials", "500", "--seed", "1"))
    doc.pop("runtime", None), cli.pop("runtime", None)
    assert doc == cli
    yaml_text, report = revsim.calibrate(os.path.join(ROOT, "scenarios", "data", "deals-example.csv"))
    s = revsim.loads(yaml_text, name="<calibrated>")  # the fitted scenario loads
    assert s.years == report.get("years", s.years)
    assert report["fits"]


def test_ctrl_c_stops_a_run_and_raises_keyboard_interrupt():
    s = revsim.load(EXAMPLE)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        revsim.run(s, trials=50_000_000, seed=1, threads=1)
    # Stopped long before 5e7 trials could finish (that would take minutes).
    assert time.monotonic() - t0 < 60
    timer.cancel()


def test_gil_is_released_while_trials_run():
    s = revsim.load(EXAMPLE)
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    t = threading.Thread(target=tick)
    t.start()
    time.sleep(0.05)
    begin = time.monotonic()
    revsim.run(s, trials=200_000, seed=1, threads=1)
    end = time.monotonic()
    stop.set()
    t.join()
    # A Python thread kept running during the run (without releasing the GIL it could not tick
    # at all between the run's start and end, however long the run takes).
    during = [x for x in ticks if begin < x < end]
    assert end - begin > 0.05, "the run was too short to tell"
    assert len(during) >= 2


def test_sweep_matches_the_command_line():
    # Both faces run the grid as one sweep study: the CLI's wide CSV prints each number as its
    # shortest round-trip text, so float() of it is the very double the package returns.
    df = revsim.sweep(EXAMPLE, {"company.cash": [300, 900]}, trials=500, seed=9)
    out = subprocess.run([CLI, "-q", "sweep", EXAMPLE, "--grid", "company.cash=300,900", "--trials", "500",
                          "--seed", "9"], check=True, capture_output=True, text=True).stdout
    import csv
    rows = list(csv.DictReader(out.splitlines()))
    assert len(rows) == 2
    stats = ("mean", "p10", "p50", "p90", "p_threshold", "p_threshold_se", "p_alive", "p_listing")
    for row in rows:
        got = df[df["company.cash"] == float(row["company.cash"])].set_index("year")
        assert len(got) == revsim.load(EXAMPLE).years
        for year in got.index:
            for stat in stats:
                assert got.loc[year, stat] == float(row[f"{year}_{stat}"]), (year, stat)


def test_sobol_matches_the_command_line():
    # No year given on either face: the last fiscal year.
    doc = revsim.sensitivity(EXAMPLE, stat="mean", sobol=True, bootstrap=50, trials=64, seed=3)
    cli = json.loads(cli_json("sensitivity", EXAMPLE, "--sobol", "--stat", "mean", "--bootstrap", "50",
                              "--trials", "64", "--seed", "3"))
    doc.pop("table")
    doc.pop("runtime", None), cli.pop("runtime", None)
    assert doc == cli
    s = revsim.load(EXAMPLE)
    assert doc["year"] == s.start_year + s.years - 1
