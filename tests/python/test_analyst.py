"""What an analyst's trial found beyond the docs (session 10). Run as tests/python/test_revsim.py is."""

import os
import warnings

import pytest

import revsim

ROOT = os.environ.get("REVSIM_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))


def test_a_scenario_with_no_channel_warns_in_python_as_on_the_command_line(tmp_path):
    f = tmp_path / "cash-only.yaml"
    f.write_text("name: cash-only\ncompany: {cash: 100, burn_per_month: 5}\n")
    with pytest.warns(revsim.ScenarioWarning, match=r"cash-only.yaml: channels: no channel is present .* revenue is 0 in every trial"):
        s = revsim.load(f)
    assert len(s.warnings) == 1
    # booked revenue is said to be all there is
    with pytest.warns(revsim.ScenarioWarning, match=r"revenue is only what `booked` holds"):
        revsim.load(f, set={"start_month_in_year": 7, "booked.isv": 3})
    # a scenario with a channel warns of nothing
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        revsim.load(os.path.join(ROOT, "scenarios", "example.yaml"))
