"""What a new user's trial of the Python package found (session 9): a grid value that is not a
list, one scenario where a list is expected, missing files, warnings the command line prints,
and arguments the command line refuses. Run as tests/python/test_revsim.py is."""

import os
import warnings

import pytest

import revsim

ROOT = os.environ.get("REVSIM_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(ROOT, "scenarios", "example.yaml")
DEALS = os.path.join(ROOT, "scenarios", "data", "deals-example.csv")


@pytest.mark.parametrize("value", ["900", b"900", 900, 9.5, {"a": 1}, None])
def test_sweep_refuses_a_grid_value_that_is_not_a_list(value):
    # "900" used to sweep company.cash over 9, 0, 0 (a string is a sequence of characters).
    with pytest.raises(ValueError, match=r"sweep: grid key 'company.cash': expected a list of values"):
        revsim.sweep(EXAMPLE, {"company.cash": value}, trials=50)


def test_sweep_takes_tuples_and_ranges():
    df = revsim.sweep(EXAMPLE, {"company.cash": (300, 600)}, trials=50)
    assert sorted(set(df["company.cash"])) == [300, 600]


@pytest.mark.parametrize("fn", ["compare", "backtest"])
def test_one_scenario_where_a_list_is_expected(fn):
    with pytest.raises(ValueError, match=fn + r": expected a list of scenarios .*not a single str"):
        getattr(revsim, fn)(EXAMPLE, trials=10)
    with pytest.raises(ValueError, match=r"not a single Scenario"):
        getattr(revsim, fn)(revsim.load(EXAMPLE), trials=10)


def test_missing_files_raise_file_not_found():
    with pytest.raises(FileNotFoundError) as e:
        revsim.load(os.path.join(ROOT, "no-such-scenario.yaml"))
    assert e.value.filename.endswith("no-such-scenario.yaml")
    with pytest.raises(FileNotFoundError):
        revsim.run("no-such-scenario.yaml", trials=10)
    with pytest.raises(FileNotFoundError):
        revsim.calibrate(os.path.join(ROOT, "no-such-deals.csv"))
    with pytest.raises(IsADirectoryError):
        revsim.load(ROOT)


def test_load_takes_a_path_object():
    import pathlib
    assert revsim.load(pathlib.Path(EXAMPLE)).name == revsim.load(EXAMPLE).name


def test_a_suspicious_value_warns_as_the_command_line_does():
    with pytest.warns(revsim.ScenarioWarning, match=r"product.card_price: 60000 is implausibly large"):
        s = revsim.load(EXAMPLE, set={"product.card_price": 60000})
    assert len(s.warnings) == 1 and "implausibly large" in s.warnings[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a plain scenario warns of nothing
        revsim.load(EXAMPLE)


def test_calibrate_years_as_the_command_line_takes_them():
    with pytest.raises(ValueError, match=r"years: has no effect with fragment=True"):
        revsim.calibrate(DEALS, fragment=True, years=3)
    for bad in (2.5, 0, 31, True, "5"):
        with pytest.raises(ValueError, match=r"^years: expected a whole number"):
            revsim.calibrate(DEALS, years=bad)
    text, report = revsim.calibrate(DEALS, years=3)
    assert "\nyears: 3" in "\n" + text


def test_sobol_interval_arguments_need_sobol_and_a_level_in_range():
    with pytest.raises(ValueError, match=r"^level: it sets the Sobol intervals and needs sobol=True"):
        revsim.sensitivity(EXAMPLE, level=0.9, trials=10)
    with pytest.raises(ValueError, match=r"^bootstrap: it sets the Sobol intervals and needs sobol=True"):
        revsim.sensitivity(EXAMPLE, bootstrap=10, trials=10)
    for bad in (0.3, 1.0, 2, True, "0.9"):
        with pytest.raises(ValueError, match=r"^level: expected a confidence level from 0.5 to 0.999"):
            revsim.sensitivity(EXAMPLE, sobol=True, level=bad, trials=10)


@pytest.mark.parametrize("call,message", [
    (lambda: revsim.sensitivity(EXAMPLE, stat="median", trials=10), r"^stat=median: expected mean, p50"),
    (lambda: revsim.sensitivity(EXAMPLE, year=2030, trials=10), r"^year=2030: not a fiscal year"),
    (lambda: revsim.sensitivity(EXAMPLE, sobol=True, spider=True, trials=10), r"^sobol=True and spider=True are"),
    (lambda: revsim.backtest([], trials=10), r"^backtest: expected at least one history scenario$"),
])
def test_messages_name_the_python_arguments(call, message):
    # They said "--stat median", "--year 2030", "--sobol and --spider", "a study needs a scenario".
    with pytest.raises(ValueError, match=message):
        call()


def test_override_errors_say_set_or_grid_and_keep_their_location():
    with pytest.raises(revsim.ScenarioError, match=r"^set company.cashh=1: company.cashh: unknown key") as e:
        revsim.load(EXAMPLE, set={"company.cashh": 1})
    assert e.value.path == "company.cashh"
    with pytest.raises(revsim.ScenarioError, match=r"^set yearz=3: yearz: unknown key"):
        revsim.loads("name: x\n", set={"yearz": 3})
    base = revsim.load(EXAMPLE, set={"company.cash": 500})
    with pytest.raises(revsim.ScenarioError, match=r"^grid company.cashh=1: company.cashh: unknown key"):
        revsim.sweep(base, {"company.cashh": [1, 2]}, trials=10)
