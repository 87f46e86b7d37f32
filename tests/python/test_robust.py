"""robust (a new user's wrong input): calibrate's years and fragment are checked like trials and
seed (ValueError naming the argument, never truncated); a seed above 2^53 is refused the same way
from Python's seed=, from the YAML text and from set= (never rounded to 2^53); two compared
scenarios of the same name get distinct labels. Run as tests/python/test_revsim.py is."""

import os

import numpy as np
import pytest

import revsim

ROOT = os.environ.get("REVSIM_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(ROOT, "scenarios", "example.yaml")
DEALS = os.path.join(ROOT, "scenarios", "data", "deals-example.csv")


@pytest.mark.parametrize("value,message", [
    (2.5, r"^years: expected a whole number \(int\) from 1 to 30, not 2\.5 \(float\)$"),
    (3.0, r"^years: .*not 3\.0 \(float\)$"),
    (True, r"^years: .*not True \(bool\)$"),
    ("3", r"^years: .*not '3' \(str\)$"),
    (0, r"^years: expected a whole number from 1 to 30, not 0$"),
    (31, r"^years: expected a whole number from 1 to 30, not 31$"),
])
def test_calibrate_years_is_a_whole_number_in_range(value, message):
    with pytest.raises(ValueError, match=message):
        revsim.calibrate(DEALS, years=value)


def test_calibrate_fragment_is_a_bool():
    with pytest.raises(ValueError, match=r"^fragment: expected True or False, not 'no' \(str\)$"):
        revsim.calibrate(DEALS, fragment="no")


def test_calibrate_whole_years_are_used_as_given():
    yaml_text, _ = revsim.calibrate(DEALS, years=np.int64(3))
    assert revsim.loads(yaml_text, name="<calibrated>").years == 3
    yaml_text, _ = revsim.calibrate(DEALS, years=7)
    assert revsim.loads(yaml_text, name="<calibrated>").years == 7


def example_text():
    with open(EXAMPLE, encoding="utf-8") as f:
        return f.read()


def seed_line(text):
    lines = text.splitlines()
    return next(i for i, line in enumerate(lines) if line.startswith("seed:")) + 1


@pytest.mark.parametrize("seed", ["9007199254740993", "18446744073709551616", "9.007199254740993e15", "-1"])
def test_seed_beyond_2_53_in_the_yaml_is_refused_not_rounded(seed):
    text = example_text()
    line = seed_line(text)
    bad = "\n".join(f"seed: {seed}" if l.startswith("seed:") else l for l in text.splitlines()) + "\n"
    with pytest.raises(revsim.ScenarioError, match=rf"^x\.yaml:{line}:7: seed: {seed} is out of range "
                                                    r"\(expected 0\.\.9007199254740992\)$") as e:
        revsim.loads(bad, name="x.yaml")
    assert (e.value.line, e.value.column, e.value.path) == (line, 7, "seed")


def test_seed_2_53_and_exact_forms_are_read_exactly():
    text = example_text()
    for written, want in [("9007199254740992", 2**53), ("9007199254740991", 2**53 - 1), ("1e3", 1000), ("70.0", 70)]:
        good = "\n".join(f"seed: {written}" if l.startswith("seed:") else l for l in text.splitlines()) + "\n"
        assert revsim.run(revsim.loads(good), trials=5).seed == want, written


def test_seed_beyond_2_53_in_set_is_refused_like_seed_argument():
    with pytest.raises(revsim.ScenarioError, match=r"seed: 9007199254740993 is out of range \(expected 0\.\.9007199254740992\)"):
        revsim.load(EXAMPLE, set={"seed": 9007199254740993})
    with pytest.raises(ValueError, match=r"^seed: expected a whole number from 0 to 9007199254740992, not 9007199254740993$"):
        revsim.run(revsim.load(EXAMPLE), trials=5, seed=2**53 + 1)


def test_compare_labels_two_scenarios_of_the_same_name_apart():
    s = revsim.load(EXAMPLE)
    doc = revsim.compare([s, s], trials=20, seed=1).data
    labels = [x["scenario"] for x in doc["scenarios"]]
    assert labels == ["example (#1)", "example (#2)"]
    assert doc["baseline"] == "example (#1)"
    other = revsim.loads(example_text(), name="copy/example.yaml")
    labels = [x["scenario"] for x in revsim.compare([s, other], trials=20, seed=1).data["scenarios"]]
    assert labels[0] != labels[1] and all(label.startswith("example (") for label in labels)
