"""Argument checks of the Python package (uxfix): trials, seed, threads (and sensitivity's
bootstrap and year) that are not whole numbers in range raise ValueError naming the argument,
before anything runs, instead of being truncated (2.5 -> 2, True -> 1) or reaching pybind11's
TypeError with the internal signature. Run as tests/python/test_revsim.py is (PYTHONPATH, REVSIM_ROOT)."""

import os

import numpy as np
import pytest

import revsim

ROOT = os.environ.get("REVSIM_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(ROOT, "scenarios", "example.yaml")
HISTORY = os.path.join(ROOT, "scenarios", "history")


def calls():
    """Every function that takes trials, seed and threads, as name -> call(**kwargs)."""
    s = revsim.load(EXAMPLE)
    histories = sorted(os.path.join(HISTORY, f) for f in os.listdir(HISTORY) if f.endswith(".yaml"))[:1]
    return {
        "run": lambda **k: revsim.run(s, **k),
        "compare": lambda **k: revsim.compare([s, s], **k),
        "compare_samples": lambda **k: revsim.compare([s, s], samples=True, **k),
        "sweep": lambda **k: revsim.sweep(s, {"company.cash": [300, 600]}, **k),
        "sensitivity": lambda **k: revsim.sensitivity(s, **k),
        "sobol": lambda **k: revsim.sensitivity(s, sobol=True, **k),
        "backtest": lambda **k: revsim.backtest(histories, **k),
    }


CALLS = ["run", "compare", "compare_samples", "sweep", "sensitivity", "sobol", "backtest"]

BAD = [
    ("trials", 2.5, r"trials: expected a whole number \(int\) from 1 to 1000000000, not 2\.5 \(float\)"),
    ("trials", 1000.0, r"trials: .*not 1000\.0 \(float\)"),
    ("trials", True, r"trials: .*not True \(bool\)"),
    ("trials", False, r"trials: .*not False \(bool\)"),
    ("trials", "10", r"trials: .*not '10' \(str\)"),
    ("trials", 0, r"trials: expected a whole number from 1 to 1000000000, not 0"),
    ("trials", -5, r"trials: expected a whole number from 1 to 1000000000, not -5"),
    ("trials", 10**9 + 1, r"trials: .*not 1000000001"),
    ("threads", -1, r"threads: expected a whole number from 0 to 1024, not -1"),
    ("threads", 1.5, r"threads: .*not 1\.5 \(float\)"),
    ("threads", True, r"threads: .*\(bool\)"),
    ("seed", -1, r"seed: expected a whole number from 0 to 9007199254740992, not -1"),
    ("seed", 2**53 + 1, r"seed: .*not 9007199254740993"),
    ("seed", 2**64, r"seed: .*not 18446744073709551616"),
    ("seed", 7.0, r"seed: .*not 7\.0 \(float\)"),
    ("seed", True, r"seed: .*\(bool\)"),
]


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("arg,value,message", BAD)
def test_bad_argument_raises_value_error_naming_it(name, arg, value, message):
    with pytest.raises(ValueError, match=message) as e:
        calls()[name](**{arg: value})
    assert "_core" not in str(e.value)  # not pybind11's dump of the internal signature
    assert not isinstance(e.value, revsim.ScenarioError)


@pytest.mark.parametrize("arg,value", [("bootstrap", 2.5), ("bootstrap", -1), ("bootstrap", True), ("year", 2025.0),
                                       ("year", True)])
def test_sensitivity_bootstrap_and_year_are_checked(arg, value):
    with pytest.raises(ValueError, match=f"^{arg}: expected a whole number"):
        revsim.sensitivity(revsim.load(EXAMPLE), sobol=arg == "bootstrap", **{arg: value})


def test_good_arguments_still_run_and_numpy_integers_are_integers():
    s = revsim.load(EXAMPLE)
    a = revsim.run(s, trials=np.int64(40), seed=np.uint64(3), threads=np.int32(1))
    b = revsim.run(s, trials=40, seed=3, threads=0)
    assert a.trials == 40 and a.seed == 3
    c = revsim.run(s, trials=40, seed=2**53, threads=1)
    assert c.seed == 2**53
    # threads changes nothing, and the run is the one the plain ints give.
    assert a.data["years"] == b.data["years"]
