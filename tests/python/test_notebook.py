"""What an analyst's notebook found (session 11): numpy values in set= and a sweep's grid, the
first crossing's year index, a scenario given as a dict (yaml.safe_load's), help() and repr() of
the package's objects, and the command line's tidy CSV read back in pandas. Run as
tests/python/test_revsim.py is (PYTHONPATH, REVSIM_ROOT, REVSIM_CLI)."""

import json
import os
import pydoc
import subprocess

import numpy as np
import pandas as pd
import pytest
import yaml

import revsim

ROOT = os.environ.get("REVSIM_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("REVSIM_CLI", os.path.join(ROOT, "build", "bin", "revsim"))
EXAMPLE = os.path.join(ROOT, "scenarios", "example.yaml")
BALANCED = os.path.join(ROOT, "scenarios", "balanced.yaml")
INVESTOR = "channels.internet.accounts[BigCloud A].investor"  # a bool key of example.yaml


def without_runtime(text):
    doc = json.loads(text)
    doc.pop("runtime", None)
    return doc


# --- numpy values work as the Python values they hold ---------------------------------------

def test_numpy_grid_values_sweep_as_the_python_list_does():
    want = revsim.sweep(EXAMPLE, {"company.cash": [300, 600], "channels.isv.p_migrate": [0.25, 0.5]},
                        trials=300, seed=1)
    for grid in ({"company.cash": list(np.arange(300, 900, 300)), "channels.isv.p_migrate": np.array([0.25, 0.5])},
                 {"company.cash": np.arange(300, 900, 300), "channels.isv.p_migrate": np.linspace(0.25, 0.5, 2)},
                 {"company.cash": np.array([300, 600], dtype=np.int32),
                  "channels.isv.p_migrate": np.array([0.25, 0.5], dtype=np.float32)}):  # both exact in float32
        got = revsim.sweep(EXAMPLE, grid, trials=300, seed=1)
        pd.testing.assert_frame_equal(got, want, check_exact=True)  # values, labels and dtypes
    assert list(want["company.cash"].unique()) == [300, 600]
    assert want["company.cash"].dtype == np.int64


def test_a_0d_array_is_one_value_not_a_grid():
    with pytest.raises(ValueError, match=r"sweep: grid key 'company.cash': expected a list of values"):
        revsim.sweep(EXAMPLE, {"company.cash": np.array(300)}, trials=10)


@pytest.mark.parametrize("key,numpy_value,python_value", [
    ("company.cash", np.int64(400), 400),
    ("company.cash", np.array(400), 400),                      # a 0-d array
    ("company.cash", np.float64(400.5), 400.5),
    ("company.cash", np.float32(400.5), 400.5),
    ("company.burn_per_month", {"uniform": np.array([20, 30])}, {"uniform": [20, 30]}),
    ("company.burn_per_month", {"uniform": (np.int64(20), np.float64(30.25))}, {"uniform": [20, 30.25]}),
    (INVESTOR, np.bool_(True), True),
])
def test_numpy_set_values_load_and_run_as_python_values_do(key, numpy_value, python_value):
    a = revsim.load(EXAMPLE, set={key: numpy_value})
    b = revsim.load(EXAMPLE, set={key: python_value})
    assert a.sets == b.sets
    ra, rb = revsim.run(a, trials=400, seed=5), revsim.run(b, trials=400, seed=5)
    assert without_runtime(ra.to_json()) == without_runtime(rb.to_json())  # bit for bit
    assert without_runtime(ra.to_json()) != without_runtime(revsim.run(EXAMPLE, trials=400, seed=5).to_json())


def test_a_value_no_scenario_can_hold_raises_type_error_naming_argument_and_key():
    with pytest.raises(TypeError, match=r"^set company\.cash: cannot use a value of type object$"):
        revsim.load(EXAMPLE, set={"company.cash": object()})
    with pytest.raises(TypeError, match=r"^set company\.burn_per_month\.uniform: cannot use a value of type set$"):
        revsim.loads("name: x\n", set={"company.burn_per_month": {"uniform": {20, 30}}})
    with pytest.raises(TypeError, match=r"^grid company\.cash: cannot use a value of type complex$"):
        revsim.sweep(EXAMPLE, {"company.cash": [300, 1j]}, trials=10)
    with pytest.raises(TypeError, match=r"^set: expected a dict \{key: value\} or a list of 'KEY=VALUE' strings, not int$"):
        revsim.load(EXAMPLE, set=5)


# --- first_crossing: int years, then "never" -------------------------------------------------

def test_first_crossing_is_indexed_by_int_years_then_never():
    r = revsim.run(EXAMPLE, trials=2_000, seed=3)
    fc = r.first_crossing
    doc = r.data["first_crossing"]
    assert fc.index.name == "year" and fc.name == "p"
    assert list(fc.index) == [2023, 2024, 2025, 2026, 2027, "never"]
    assert list(fc.index[:-1]) == list(r.years.index)  # the years every other table uses
    for year in range(2023, 2028):
        assert fc[year] == fc.loc[year] == doc[str(year)]
    assert fc["never"] == fc.loc["never"] == doc["never"]
    assert fc[2027] == 0.0685 and fc["never"] == 0.5245  # hand-read from the JSON of this run
    assert abs(fc.sum() - 1) <= 1e-12
    with pytest.raises(KeyError):
        fc[1]  # a label, not a position
    with pytest.raises(KeyError):
        fc["2027"]


# --- a scenario as a dict ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["example.yaml", "balanced.yaml", "turnkey-builder.yaml"])
def test_loads_takes_a_dict_and_runs_as_its_yaml_text(name):
    text = open(os.path.join(ROOT, "scenarios", name), encoding="utf-8").read()
    a = revsim.loads(text, name=name)
    b = revsim.loads(yaml.safe_load(text), name=name)
    assert (b.name, b.source, b.path, b.years, b.trials, b.seed) == (a.name, a.source, "", a.years, a.trials, a.seed)
    assert b.parameters() == a.parameters()
    ra, rb = revsim.run(a, trials=500, seed=4), revsim.run(b, trials=500, seed=4)
    assert without_runtime(ra.to_json()) == without_runtime(rb.to_json())
    # with set= too
    c = revsim.loads(yaml.safe_load(text), set={"company.cash": np.int64(300)})
    assert c.sets == ["company.cash=300"] and c.source == "<dict>"


def test_a_dict_scenario_errors_name_the_key_and_its_line_in_the_dict_as_json():
    with pytest.raises(revsim.ScenarioError, match=r"^<dict>:6:5: company\.cashh: unknown key 'cashh'") as e:
        revsim.loads({"name": "x", "company": {"cash": 100, "burn_per_month": 5, "cashh": 3}})
    assert (e.value.file, e.value.line, e.value.path) == ("<dict>", 6, "company.cashh")
    with pytest.raises(TypeError, match=r"^loads company\.cash: cannot use a value of type object$"):
        revsim.loads({"name": "x", "company": {"cash": object()}})


def test_loads_refuses_other_types_saying_what_it_takes():
    for bad in (5, None, b"name: x\n", ["name: x"]):
        with pytest.raises(TypeError, match=r"^loads: expected a scenario as YAML text \(a str\) or as a dict, "
                                            r"not \w+ \(a file: revsim\.load\(path\)\)$") as e:
            revsim.loads(bad)
        assert "List[str]" not in str(e.value) and "_core" not in str(e.value)
    with pytest.raises(TypeError, match=r"^name: expected a str"):
        revsim.loads("name: x\n", name=3)


def test_run_compare_and_backtest_take_a_dict_scenario():
    d = yaml.safe_load(open(BALANCED, encoding="utf-8"))
    r = revsim.run(d, trials=300, seed=2)
    assert without_runtime(r.to_json()) == without_runtime(revsim.run(BALANCED, trials=300, seed=2).to_json())
    c = revsim.compare([BALANCED, dict(d, name="balanced-copy")], trials=300, seed=2)
    assert list(c.years.index.get_level_values(0).unique()) == ["balanced", "balanced-copy"]
    assert (c.years.loc["balanced-copy"]["mean_diff"] == 0).all()  # same scenario, common random numbers
    with pytest.raises(ValueError, match=r"^compare: expected a list of scenarios .*not a single dict"):
        revsim.compare(d)
    with pytest.raises(ValueError, match=r"^sweep needs a scenario loaded from a file"):
        revsim.sweep(d, {"company.cash": [300]}, trials=10)
    with pytest.raises(TypeError, match=r"^scenario: expected a path, a revsim\.Scenario .* or a dict, not int$"):
        revsim.run(5)


# --- help() and repr() ---------------------------------------------------------------------------

def test_scenario_and_scenario_error_have_docstrings():
    doc = pydoc.render_doc(revsim.Scenario, renderer=pydoc.plaintext)
    assert "A loaded, validated scenario" in doc
    for prop, words in (("name", "name"), ("path", "loaded from"), ("sets", "overrides"), ("years", "horizon"),
                        ("start_year", "first fiscal year"), ("threshold", "threshold"), ("trials", "trials"),
                        ("seed", "seed"), ("warnings", "warning"), ("parameters", "tornado")):
        assert words in getattr(revsim.Scenario, prop).__doc__, prop
    err = pydoc.render_doc(revsim.ScenarioError, renderer=pydoc.plaintext)
    assert "A scenario the loader refuses" in err and "file:line:column" in err
    for part in ("file", "line", "column", "path"):
        assert f"  {part} " in revsim.ScenarioError.__doc__


def test_reprs_say_what_the_object_is():
    s = revsim.load(BALANCED)
    assert repr(s) == f"<revsim.Scenario 'balanced' from {BALANCED}: 2023-2027, seed 1, 100000 trials>"
    s = revsim.load(BALANCED, set={"company.cash": 400, "seed": 7, "trials": 500})
    assert repr(s) == (f"<revsim.Scenario 'balanced' from {BALANCED} (set company.cash=400, seed=7, trials=500): "
                       f"2023-2027, seed 7, 500 trials>")
    with pytest.warns(revsim.ScenarioWarning, match="no channel"):
        x = revsim.loads("name: x\nstart_year: 2030\nyears: 1\ntrials: 5\nseed: 9\n")
    assert repr(x) == "<revsim.Scenario 'x' from <string>: 2030-2030, seed 9, 5 trials>"
    assert repr(revsim.run(s, trials=20, seed=3)) == "<revsim.RunResult 'balanced': 20 trials, seed 3>"
    assert repr(revsim.compare([BALANCED, BALANCED], trials=20, seed=4)) == \
        "<revsim.Comparison ['balanced (#1)', 'balanced (#2)']: 20 trials, seed 4>"


# --- the command line's tidy CSV in pandas (docs/python.md) -----------------------------------

def test_tidy_csv_reads_back_exactly_with_int_years_as_documented(tmp_path):
    out = tmp_path / "long.csv"
    subprocess.run([CLI, "-q", "run", BALANCED, "--trials", "2000", "--seed", "1", "--format", "csv", "--tidy",
                    "-o", str(out)], check=True)
    doc = json.loads(subprocess.run([CLI, "-q", "run", BALANCED, "--trials", "2000", "--seed", "1", "--format",
                                     "json"], check=True, capture_output=True, text=True).stdout)
    assert pd.read_csv(out)["year"].dtype == np.float64  # whole-run rows leave year empty
    long = pd.read_csv(out, dtype={"year": "Int64"}, float_precision="round_trip")
    assert str(long["year"].dtype) == "Int64"
    assert long["year"].isna().sum() == (long["statistic"].isin(["p_never_crosses", "runway_p10", "runway_p50",
                                                                  "runway_p90", "p_alive_12", "p_alive_24",
                                                                  "p_alive_36"])).sum() > 0
    total = long[long.channel == "total"].set_index(["year", "statistic"])["value"]
    for y in doc["years"]:
        for stat in ("mean", "sd", "p50", "p90", "p_threshold_se"):
            assert total[(y["year"], stat)] == y[stat]  # exact: the CLI writes shortest round-trip text
