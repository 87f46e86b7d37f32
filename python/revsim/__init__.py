"""revsim from Python: load a scenario, run it, get pandas tables.

    import revsim
    s = revsim.load("scenarios/example.yaml", set={"company.cash": 800})
    r = revsim.run(s, trials=10_000, seed=7)
    r.years            # one row per fiscal year: mean, sd, P5..P95, P(>= threshold), ...
    r.channels         # one row per year x channel
    r.samples()        # one row per trial x year with drawn inputs and cash (run with samples=True)

Every number comes from the same library calls as the command line: ``r.to_json()`` is the
text ``revsim run --format json`` prints for the same scenario, seed and trials (the
``runtime`` block aside). Errors in a scenario raise ``revsim.ScenarioError`` (a ValueError)
whose message starts with ``file:line:column``; the parts are ``.file``, ``.line``,
``.column`` and ``.path``. The GIL is released while trials run, and Ctrl-C stops a run
(KeyboardInterrupt).
"""

from __future__ import annotations

import errno
import itertools
import json as _json
import os
import warnings as _warnings
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._core import Scenario, ScenarioError

__version__ = _core.__version__
__all__ = ["Scenario", "ScenarioError", "ScenarioWarning", "RunResult", "Comparison", "load", "loads", "run",
           "compare", "sweep", "sensitivity", "backtest", "calibrate"]


class ScenarioWarning(UserWarning):
    """A value the scenario allows but that looks wrong (the command line's "warning:" lines, e.g.
    a card price in RMB instead of M RMB). ``load``/``loads`` issue one per warning through
    ``warnings.warn``; they stay in ``Scenario.warnings``. Silence them with
    ``warnings.simplefilter("ignore", revsim.ScenarioWarning)``."""

CHANNELS = ("internet", "carriers", "government", "isv")


def _plain(value: object, where: str) -> object:
    """``value`` as the Python objects JSON (so YAML) writes: a numpy integer, float or bool as
    the int, float or bool it holds, a numpy array as its (nested) list, a tuple as a list; a
    value of any other type (a set, a date, an object) raises TypeError naming ``where`` (as
    "set company.cash") and the key inside it."""
    if isinstance(value, np.generic):
        value = value.item()  # np.int64(400) -> 400, np.float32(0.5) -> 0.5, np.bool_(True) -> True
    elif isinstance(value, np.ndarray):
        value = value.tolist()  # 0-d: the scalar; 1-d: a list; n-d: lists of lists
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {_plain(k, where): _plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"{where}: cannot use a value of type {type(value).__name__}")


def _set_strings(set: Mapping[str, object] | Sequence[str] | None) -> list[str]:
    """{key: value} (values as Python or numpy objects, written as YAML flow text) or
    ["KEY=VALUE", ...]."""
    if set is None:
        return []
    if isinstance(set, Mapping):
        out = []
        for key, value in set.items():
            text = value if isinstance(value, str) else _json.dumps(_plain(value, f"set {key}"))
            out.append(f"{key}={text}")
        return out
    if isinstance(set, str):
        raise TypeError("set: expected a dict {key: value} or a list of 'KEY=VALUE' strings, not a string")
    if not isinstance(set, Iterable):
        raise TypeError(f"set: expected a dict {{key: value}} or a list of 'KEY=VALUE' strings, "
                        f"not {type(set).__name__}")
    return [str(s) for s in set]


def _reworded(e: Exception, words: Mapping[str, str]) -> Exception:
    """``e`` with its message's command-line words (a leading "--stat X", "--set K=V", ...) put
    as the Python call gives them: each (prefix -> replacement) of ``words`` at the message's
    start. The exception keeps its type and attributes (a ScenarioError its .file, .path, ...)."""
    text = str(e)
    for old, new in words.items():
        if text.startswith(old):
            e.args = (new + text[len(old):],) + tuple(e.args[1:])
            break
    return e


_SET_WORDS = {"--set ": "set "}


def _warned(s: Scenario) -> Scenario:
    for w in s.warnings:
        _warnings.warn(w, ScenarioWarning, stacklevel=3)
    return s


def _existing_file(path: object, what: str) -> str:
    """``path`` as a string; FileNotFoundError (IsADirectoryError) when it is not a file."""
    p = os.fspath(path)
    if not isinstance(p, str):
        p = os.fsdecode(p)
    if os.path.isdir(p):
        raise IsADirectoryError(errno.EISDIR, f"{what}: a directory, not a file", p)
    if not os.path.exists(p):
        raise FileNotFoundError(errno.ENOENT, f"{what}: no such file", p)
    return p


def load(path: str | os.PathLike, set: Mapping[str, object] | Sequence[str] | None = None) -> Scenario:
    """Load and validate a scenario file, with overrides as ``revsim run --set`` takes them.
    A missing file raises FileNotFoundError; a bad scenario ScenarioError; a suspicious value
    a ScenarioWarning (also in ``Scenario.warnings``)."""
    file = _existing_file(path, "scenario")
    try:
        return _warned(_core.load(file, _set_strings(set)))
    except ScenarioError as e:
        raise _reworded(e, _SET_WORDS) from None


def loads(text: str | Mapping[str, object], name: str | None = None,
          set: Mapping[str, object] | Sequence[str] | None = None) -> Scenario:
    """A scenario from YAML text, or from a dict (a scenario as ``yaml.safe_load`` gives it,
    numpy values allowed), which loads as its YAML text would; ``name`` is the file name used
    in messages (default "<string>", for a dict "<dict>": the line and column are then those of
    the dict written as indented JSON)."""
    if isinstance(text, Mapping):
        text = _json.dumps({_plain(k, "loads"): _plain(v, f"loads {k}") for k, v in text.items()},
                           indent=2) + "\n"  # JSON is YAML
        name = "<dict>" if name is None else name
    elif not isinstance(text, str):
        raise TypeError(f"loads: expected a scenario as YAML text (a str) or as a dict, not {type(text).__name__} "
                        f"(a file: revsim.load(path))")
    name = "<string>" if name is None else name
    if not isinstance(name, str):
        raise TypeError(f"name: expected a str (the file name used in messages), not {type(name).__name__}")
    try:
        return _warned(_core.loads(text, name, _set_strings(set)))
    except ScenarioError as e:
        raise _reworded(e, _SET_WORDS) from None


def _scenario(s: Scenario | str | os.PathLike | Mapping[str, object]) -> Scenario:
    """A Scenario; a path loads (revsim.load), a dict loads as its YAML would (revsim.loads)."""
    if isinstance(s, Scenario):
        return s
    if isinstance(s, (str, os.PathLike)):
        return load(s)
    if isinstance(s, Mapping):
        return loads(s)
    raise TypeError(f"scenario: expected a path, a revsim.Scenario (revsim.load, revsim.loads) or a dict, "
                    f"not {type(s).__name__}")


def _scenarios(scenarios: object, what: str) -> list[Scenario]:
    """A list of scenarios; a single path, Scenario or dict (a likely slip for [path]) is refused."""
    if isinstance(scenarios, Mapping):
        raise ValueError(f"{what}: expected a list of scenarios (paths, revsim.load results or dicts), "
                         f"not a single dict: write [scenario, ...]")
    if isinstance(scenarios, (str, bytes, os.PathLike, Scenario)):
        raise ValueError(f"{what}: expected a list of scenarios (paths, revsim.load results or dicts), "
                         f"not a single {type(scenarios).__name__}: write [{scenarios!r}, ...]")
    if not isinstance(scenarios, Iterable):
        raise TypeError(f"{what}: expected a list of scenarios (paths, revsim.load results or dicts), "
                        f"not {type(scenarios).__name__}")
    return [_scenario(s) for s in scenarios]


# The command line's ranges (--trials, --seed, --threads); threads=0 is every core here.
_MAX_TRIALS = 1_000_000_000
_MAX_SEED = 2**53
_MAX_THREADS = 1024
_MAX_YEARS = 30  # a scenario's years (revsim calibrate --years)


def _whole(name: str, value: object, lo: int, hi: int) -> int:
    """``value`` as an int in [lo, hi], or ValueError naming the argument: a bool, a float
    (even 1000.0: write 1000 or 1_000), a string or any other non-integer is refused rather
    than truncated."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: expected a whole number (int) from {lo} to {hi}, "
                         f"not {value!r} ({type(value).__name__})")
    v = int(value)
    if not lo <= v <= hi:
        raise ValueError(f"{name}: expected a whole number from {lo} to {hi}, not {v}")
    return v


def _trials(trials: int | None) -> int:
    """None: the scenario's trials (0 to the library)."""
    return 0 if trials is None else _whole("trials", trials, 1, _MAX_TRIALS)


def _seed(seed: int | None) -> int | None:
    """None: the scenario's seed."""
    return None if seed is None else _whole("seed", seed, 0, _MAX_SEED)


def _threads(threads: int) -> int:
    return _whole("threads", threads, 0, _MAX_THREADS)


_SAMPLE_KEYS = ("totals", "revenue", "listing", "fail_month", "cash", "inputs", "input_names")


def _samples_frame(a: dict, first: int) -> pd.DataFrame:
    """One row per trial x year of a run's kept samples (RunResult.samples)."""
    totals = a["totals"]
    n, ny = totals.shape
    revenue = a["revenue"].reshape(n * ny, len(CHANNELS))
    listing = a["listing"]
    cols = {
        "trial": np.repeat(np.arange(n, dtype=np.int64), ny),
        "year": np.tile(np.arange(first, first + ny, dtype=np.int64), n),
        "total": totals.reshape(-1),
    }
    for k, name in enumerate(CHANNELS):
        cols[name] = revenue[:, k]
    bits = (listing[:, None] >> np.arange(ny, dtype=np.uint32)[None, :]) & 1
    cols["listed"] = bits.reshape(-1).astype(bool)
    cols["fail_month"] = np.repeat(a["fail_month"], ny)
    cols["cash"] = a["cash"].reshape(-1)
    inputs = a["inputs"]
    for i, name in enumerate(a["input_names"]):
        cols["input:" + name] = np.repeat(inputs[:, i], ny)
    return pd.DataFrame(cols)


class RunResult:
    """One run. Tables are pandas DataFrames built from the run's JSON document."""

    def __init__(self, raw: dict):
        self._json_text = raw["json"]
        self.data = _json.loads(self._json_text)
        self._samples = {k: raw[k] for k in _SAMPLE_KEYS if k in raw}

    def to_json(self) -> str:
        """The JSON text ``revsim run --format json`` writes."""
        return self._json_text

    @property
    def trials(self) -> int:
        """The number of trials run."""
        return self.data["trials"]

    @property
    def seed(self) -> int:
        """The seed the run used (given, or the scenario's)."""
        return self.data["seed"]

    @property
    def years(self) -> pd.DataFrame:
        rows = []
        for y in self.data["years"]:
            rows.append({k: v for k, v in y.items() if k != "channels"})
        return pd.DataFrame(rows).set_index("year")

    @property
    def channels(self) -> pd.DataFrame:
        rows = []
        for y in self.data["years"]:
            for name, c in y["channels"].items():
                rows.append({"year": y["year"], "channel": name, **c})
        return pd.DataFrame(rows).set_index(["year", "channel"])

    @property
    def accounts(self) -> pd.DataFrame:
        return pd.DataFrame(self.data.get("accounts", []))

    @property
    def runway(self) -> pd.DataFrame:
        """P10, P50, P90 of the month the cash runs out (NaN: beyond the horizon), with the
        calendar month; P(alive) at 12, 24, 36 months is in ``alive``."""
        rw = self.data["runway"]
        rows = [{"quantile": q, "month": rw[q], "calendar": rw["calendar"][q]} for q in ("p10", "p50", "p90")]
        return pd.DataFrame(rows).set_index("quantile").astype({"month": float})

    @property
    def alive(self) -> pd.Series:
        """P(alive) at 12, 24 and 36 months (NaN past the horizon)."""
        rw = self.data["runway"]
        return pd.Series({m: rw[f"p_alive_{m}"] for m in (12, 24, 36)}, name="p_alive", dtype=float).rename_axis("month")

    @property
    def first_crossing(self) -> pd.Series:
        """P(revenue first reaches the threshold in that year), indexed ("year") by the fiscal
        years as ints, as every other table, then "never": ``fc[2027]``, ``fc["never"]``."""
        fc = self.data["first_crossing"]
        index = pd.Index([k if k == "never" else int(k) for k in fc], dtype=object, name="year")
        return pd.Series(list(fc.values()), index=index, name="p", dtype=float)

    @property
    def concentration(self) -> pd.DataFrame:
        return pd.DataFrame(self.data.get("concentration", [])).set_index("year")

    @property
    def survival(self) -> pd.Series:
        """P(alive at the end of month m), m = 0 .. horizon - 1 (a failure in month m counts from m on)."""
        return pd.Series(self.data.get("survival", []), name="p_alive").rename_axis("month")

    def samples(self, frame: bool = True):
        """Per-trial outcomes (run with ``samples=True``). As a DataFrame: one row per trial x
        year, columns total, the four channels, listed (standard 2 met that year), fail_month
        (-1: never), cash (cash at the fiscal year's end, M RMB; NaN once the cash has run
        out), then ``input:<key path>`` for every uncertain per-trial key: the value the trial
        drew (the same on each of its year rows; NaN when the trial drew none). With
        ``frame=False``: numpy arrays that share the run's memory, totals[trial, year],
        revenue[trial, year, channel], listing[trial] (bit y: year y), fail_month[trial],
        cash[trial, year], inputs[trial, input], and input_names (the key paths)."""
        if not self._samples:
            raise ValueError("no samples kept: run with revsim.run(..., samples=True)")
        if not frame:
            return dict(self._samples)
        return _samples_frame(self._samples, self.data["years"][0]["year"])

    def __repr__(self) -> str:
        return f"<revsim.RunResult {self.data['scenario']!r}: {self.trials} trials, seed {self.seed}>"


def run(scenario: Scenario | str, trials: int | None = None, seed: int | None = None, threads: int = 0,
        samples: bool = False) -> RunResult:
    """Simulate ``trials`` trials (default: the scenario's) with ``seed`` (default: the scenario's)
    on ``threads`` threads (0: every core). Results do not depend on ``threads``."""
    n, sd, th = _trials(trials), _seed(seed), _threads(threads)
    return RunResult(_core.run(_scenario(scenario), n, sd, th, bool(samples)))


class Comparison:
    """Scenarios side by side on common random numbers; the first is the baseline."""

    def __init__(self, text: str, runs: list | None = None):
        self._json_text = text
        self.data = _json.loads(text)
        self._runs = runs

    def samples(self, frame: bool = True):
        """Every scenario's per-trial outcomes (compare with ``samples=True``). As a DataFrame:
        the scenarios' RunResult.samples() frames one after the other in the order given, with
        a first column ``scenario`` (its name, as in the comparison's tables); ``trial``
        is the index to pair on: the same trial of two scenarios shares every random stream
        they have in common. ``input:`` columns are the union of the scenarios' (NaN where a
        scenario has no such key). With ``frame=False``: a list, one dict per scenario, of
        ``scenario`` and the arrays RunResult.samples(frame=False) gives."""
        if self._runs is None:
            raise ValueError("no samples kept: compare with revsim.compare(..., samples=True)")
        if not frame:
            return [dict(r) for r in self._runs]
        first = self.data["scenarios"][0]["years"][0]["year"]
        frames = []
        for r in self._runs:
            df = _samples_frame(r, first)
            df.insert(0, "scenario", r["scenario"])
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    def to_json(self) -> str:
        """The JSON text ``revsim compare --format json`` writes."""
        return self._json_text

    @property
    def years(self) -> pd.DataFrame:
        rows = []
        for s in self.data["scenarios"]:
            for y in s["years"]:
                rows.append({"scenario": s["scenario"], **y})
        return pd.DataFrame(rows).set_index(["scenario", "year"])

    def __repr__(self) -> str:
        names = [s["scenario"] for s in self.data["scenarios"]]
        return f"<revsim.Comparison {names}: {self.data['trials']} trials, seed {self.data['seed']}>"


def compare(scenarios: Iterable[Scenario | str], trials: int | None = None, seed: int | None = None,
            threads: int = 0, samples: bool = False) -> Comparison:
    """Pair every scenario with the first on common random numbers (``revsim compare``). With
    ``samples=True`` every trial of every scenario is kept (``revsim compare --samples``):
    Comparison.samples()."""
    n, sd, th = _trials(trials), _seed(seed), _threads(threads)  # before any scenario loads
    items = _scenarios(scenarios, "compare")
    if len(items) < 2:
        raise ValueError("compare: expected at least two scenarios")
    if samples:
        raw = _core.compare_samples(items, n, sd, th)
        return Comparison(raw["json"], list(raw["runs"]))
    return Comparison(_core.compare(items, n, sd, th))


def sweep(scenario: Scenario | str, grid: Mapping[str, Sequence[object]], trials: int | None = None,
          seed: int | None = None, threads: int = 0) -> pd.DataFrame:
    """Every point of the cartesian ``grid`` {key: [values]} on common random numbers (same seed
    and trials), as ``revsim sweep`` runs it. One row per point x year: the grid's keys, then
    the year's mean, P10, P50, P90, P(>= threshold) with its standard error, P(alive), P(listing)."""
    n, sd, th = _trials(trials), _seed(seed), _threads(threads)  # before any point loads
    base = _scenario(scenario)
    if not base.path:
        raise ValueError("sweep needs a scenario loaded from a file (revsim.load)")
    if not grid:
        raise ValueError("sweep: expected a grid {key: [values, ...]}")
    if not isinstance(grid, Mapping):
        raise ValueError(f"sweep: expected a grid {{key: [values, ...]}}, not {type(grid).__name__}")
    keys = list(grid)
    for k in keys:
        v = grid[k]
        # A string is a sequence of characters: {"company.cash": "900"} would sweep 9, 0, 0. A
        # 0-d array is one value (np.array(900)), as 900 is.
        if isinstance(v, (str, bytes, Mapping)) or not isinstance(v, Iterable) \
                or (isinstance(v, np.ndarray) and v.ndim == 0):
            raise ValueError(f"sweep: grid key {k!r}: expected a list of values such as [300, 600], "
                             f"not {v!r} ({type(v).__name__})")
    # numpy values as the Python values they hold: the same points, labels and table as a list's
    values = [[_plain(x, f"grid {k}") for x in grid[k]] for k in keys]
    for k, v in zip(keys, values):
        if not v:
            raise ValueError(f"sweep: grid key {k!r} has no values")
    points = list(itertools.product(*values))
    # Validate every point before the first run, as the command line does; then the points run
    # as one sweep study (run_study), as `revsim sweep` runs them.
    loaded = []
    for p in points:
        grid_sets = _set_strings(dict(zip(keys, p)))
        try:
            loaded.append(_warned(_core.load(base.path, list(base.sets) + grid_sets)))
        except ScenarioError as e:
            given = str(e).split(": ", 1)[0]  # "--set KEY=VALUE" of the override that failed
            raise _reworded(e, {"--set ": "grid " if given[len("--set "):] in grid_sets else "set "}) from None
    texts = _core.sweep(loaded, keys, [[str(v) for v in p] for p in points], n, sd, th)
    rows = []
    for point, text in zip(points, texts):
        r = RunResult({"json": text})
        for y in r.data["years"]:
            row = dict(zip(keys, point))
            row["year"] = y["year"]
            for stat in ("mean", "p10", "p50", "p90", "p_threshold", "p_threshold_se", "p_alive", "p_listing"):
                row[stat] = y[stat]
            rows.append(row)
    return pd.DataFrame(rows)


def sensitivity(scenario: Scenario | str, stat: str = "p_threshold", year: int | None = None, spider: bool = False,
                sobol: bool = False, bootstrap: int | None = None, level: float | None = None,
                trials: int | None = None, seed: int | None = None, threads: int = 0) -> dict:
    """Tornado (default), spider or Sobol analysis (``revsim sensitivity``) of ``stat`` in the
    fiscal ``year`` (default: the last); returns its JSON document as a dict, with the rows also
    as a DataFrame under ``"table"``. ``bootstrap`` (default 1000) and ``level`` (0.5 to 0.999,
    default 0.95) are the Sobol intervals' and need ``sobol=True``, as on the command line.
    ``trials`` is per level (default: the scenario's, at most 10 000); with ``sobol`` it is the
    base sample N (default: the scenario's, at most 4096), and N x (factors + 2) trials run."""
    n, sd, th = _trials(trials), _seed(seed), _threads(threads)
    y = None if year is None else _whole("year", year, 0, 9999)
    for name, given in (("bootstrap", bootstrap), ("level", level)):
        if given is not None and not sobol:
            raise ValueError(f"{name}: it sets the Sobol intervals and needs sobol=True")
    b = 1000 if bootstrap is None else _whole("bootstrap", bootstrap, 0, 100_000)
    lv = 0.95 if level is None else level
    if isinstance(lv, (bool, np.bool_)) or not isinstance(lv, (int, float, np.integer, np.floating)) \
            or not 0.5 <= float(lv) <= 0.999:
        raise ValueError(f"level: expected a confidence level from 0.5 to 0.999, not {lv!r}")
    try:
        text = _core.sensitivity(_scenario(scenario), stat, y, bool(spider), bool(sobol), b, float(lv), n, sd, th)
    except ValueError as e:
        raise _reworded(e, {"--stat ": "stat=", "--year ": "year=",
                            "--sobol and --spider": "sobol=True and spider=True"}) from None
    doc = _json.loads(text)
    doc["table"] = pd.DataFrame(doc.get("factors" if sobol else "parameters", []))
    return doc


def backtest(scenarios: Iterable[Scenario | str], trials: int | None = None, seed: int | None = None,
             threads: int = 0) -> dict:
    """History scenarios against their filed actuals (``revsim backtest``): the JSON document as a dict."""
    n, sd, th = _trials(trials), _seed(seed), _threads(threads)
    items = _scenarios(scenarios, "backtest")
    if not items:
        raise ValueError("backtest: expected at least one history scenario")
    return _json.loads(_core.backtest(items, n, sd, th))


def calibrate(deals: str | os.PathLike, as_of: str | None = None, prior: str = "hierarchical",
              years: int | None = None, fragment: bool = False) -> tuple[str, dict]:
    """Fit a scenario to a deals CSV (``revsim calibrate``): (scenario YAML text, report dict).
    ``years``: the scenario's horizon in fiscal years, a whole number from 1 to 30 (default 5;
    2.5 is refused, not truncated); ``fragment`` (a bool): the channels only, which have no
    horizon and so take no ``years``, as on the command line."""
    if not isinstance(fragment, (bool, np.bool_)):
        raise ValueError(f"fragment: expected True or False, not {fragment!r} ({type(fragment).__name__})")
    if fragment and years is not None:
        raise ValueError("years: has no effect with fragment=True (a fragment has no horizon)")
    y = 5 if years is None else _whole("years", years, 1, _MAX_YEARS)
    yaml_text, report = _core.calibrate(_existing_file(deals, "deals"), as_of, prior, y, bool(fragment))
    return yaml_text, _json.loads(report)
