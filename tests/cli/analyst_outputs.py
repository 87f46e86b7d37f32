#!/usr/bin/python3
"""Outputs analysts load (issue 15, part 3): the tidy CSV, the xlsx workbook and `-` (stdin).

analyst_outputs.py BIN SCENARIOS CASE, one CASE per CTest test. Every value is checked against
the JSON of the same run (same seed and trials): exactly for the CSV (both print the shortest
text that reads back to the same double), within 1e-15 relative for xlsx (libxlsxwriter writes
numbers with 16 significant digits; Excel itself keeps 15).
"""
import csv
import io
import json
import math
import os
import subprocess
import sys
import tempfile

BIN, SCEN, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
EXAMPLE = os.path.join(SCEN, "example.yaml")
TURNKEY = os.path.join(SCEN, "turnkey-builder.yaml")
ISV = os.path.join(SCEN, "isv-first.yaml")
CHANNELS = ["internet", "carriers", "government", "isv"]
TMP = tempfile.mkdtemp()


def fail(msg):
    print(f"FAIL ({CASE}): {msg}")
    sys.exit(1)


def revsim(*args, stdin=None, code=0):
    p = subprocess.run([BIN, "-q", *args], input=stdin, capture_output=True, env={**os.environ, "TMPDIR": TMP})
    if p.returncode != code:
        fail(f"revsim {' '.join(args)}: exit {p.returncode}, expected {code}: {p.stderr.decode()}")
    return p


def out(*args, **kw):
    return revsim(*args, **kw).stdout.decode()


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def num(s):
    return None if s == "" else float(s)


def same(a, b, what, rel=0.0):
    if a is None or b is None:
        if a is not None or b is not None:
            fail(f"{what}: {a!r} != {b!r}")
        return
    if rel == 0.0 and a != b:
        fail(f"{what}: {a!r} != {b!r}")
    if rel > 0 and not math.isclose(a, b, rel_tol=rel, abs_tol=0.0):
        fail(f"{what}: {a!r} != {b!r} (relative tolerance {rel})")


def expected_tidy(j):
    """(year, statistic, channel) -> value from a run's JSON, as the tidy CSV must hold them."""
    e = {}
    for y in j["years"]:
        yr = str(y["year"])
        for k in ["mean", "sd", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p_threshold", "p_threshold_se",
                  "p_alive", "p_listing"]:
            e[(yr, k, "total")] = y[k]
        for c in CHANNELS:
            for k in ["mean", "p50", "p90", "share"]:
                e[(yr, k, c)] = y["channels"][c][k]
    for c in j["concentration"]:
        yr = str(c["year"])
        e[(yr, "largest_share", "total")] = c["largest_share"]
        e[(yr, "top5_share", "total")] = c["top5_share"]
        e[(yr, "p_largest_over_half", "total")] = c["p_largest_over_half"]
        e[(yr, "concentration_trials", "total")] = c["trials"]
    for when, p in j["first_crossing"].items():
        e[("", "p_never_crosses", "total") if when == "never" else (when, "p_first_crossing", "total")] = p
    for f in j["forecast_audit"]:
        yr = str(f["year"])
        e[(yr, "forecast", "total")] = f["forecast"]
        e[(yr, "forecast_percentile", "total")] = f["percentile"]
        e[(yr, "p_at_least_forecast", "total")] = f["p_at_least"]
        e[(yr, "face_value", "total")] = f["face_value"]
    for k in ["p10", "p50", "p90"]:
        e[("", "runway_" + k, "total")] = j["runway"][k]
    for k in ["12", "24", "36"]:
        e[("", "p_alive_" + k, "total")] = j["runway"]["p_alive_" + k]
    return e


def check_tidy_against(tidy_rows, j, what):
    e = expected_tidy(j)
    got = {}
    for r in tidy_rows:
        key = (r["year"], r["statistic"], r["channel"])
        if key in got:
            fail(f"{what}: row {key} twice")
        got[key] = num(r["value"])
    if set(got) != set(e):
        fail(f"{what}: rows differ: missing {sorted(set(e) - set(got))[:5]}, extra {sorted(set(got) - set(e))[:5]}")
    for k, v in e.items():
        same(got[k], v, f"{what} {k}")


def tidy_run():
    j = json.loads(out("run", EXAMPLE, "--trials", "1000", "--seed", "7", "--format", "json"))
    text = out("run", EXAMPLE, "--trials", "1000", "--seed", "7", "--format", "csv", "--tidy")
    if text.splitlines()[0] != "scenario,seed,trials,year,statistic,channel,value":
        fail(f"header: {text.splitlines()[0]}")
    rs = rows(text)
    for r in rs:
        if (r["scenario"], r["seed"], r["trials"]) != ("example", "7", "1000"):
            fail(f"identity columns: {r}")
    check_tidy_against(rs, j, "run")
    # 5 years x (13 totals + 4 channels x 4 + 4 concentration + 4 audit) + first crossings + 7 whole-run
    print(f"{len(rs)} tidy rows equal the JSON's values")
    # The wide CSV keeps its columns and ends with scenario, seed, trials, quantiles.
    wide = out("run", EXAMPLE, "--trials", "1000", "--seed", "7", "--format", "csv").splitlines()
    head = wide[0].split(",")
    if head[:3] != ["year", "mean", "sd"] or head[-4:] != ["scenario", "seed", "trials", "quantiles"] or len(head) != 40:
        fail(f"wide header: {wide[0]}")
    for line in wide[1:]:
        if line.split(",")[-4:] != ["example", "7", "1000", "exact"]:
            fail(f"wide row: {line}")
        if float(line.split(",")[1]) != next(y["mean"] for y in j["years"] if str(y["year"]) == line.split(",")[0]):
            fail(f"wide mean: {line}")


def tidy_compare():
    args = ["compare", ISV, TURNKEY, "--trials", "800", "--seed", "3"]
    j = json.loads(out(*args, "--format", "json"))
    text = out(*args, "--format", "csv", "--tidy")
    if text != out(*args, "--format", "csv"):
        fail("compare --format csv differs from --format csv --tidy")
    if text.splitlines()[0] != "scenario,baseline,seed,trials,year,statistic,channel,value":
        fail(f"header: {text.splitlines()[0]}")
    rs = rows(text)
    base = j["baseline"]
    for s in j["scenarios"]:
        name = s["scenario"]
        own = [r for r in rs if r["scenario"] == name and r["baseline"] == ""]
        for y in s["years"]:
            yr = str(y["year"])
            for k in ["mean", "p50", "p_threshold", "p_reached_by"]:
                got = [num(r["value"]) for r in own if (r["year"], r["statistic"], r["channel"]) == (yr, k, "total")]
                if len(got) != 1:
                    fail(f"{name} {yr} {k}: {len(got)} rows")
                same(got[0], y[k], f"{name} {yr} {k}")
        paired = [r for r in rs if r["scenario"] == name and r["baseline"] != ""]
        if name == base:
            if paired:
                fail("the baseline has paired rows against itself")
            continue
        if any(r["baseline"] != base for r in paired):
            fail("a paired row names another baseline")
        for y in s["years"]:
            for k in ["mean_diff", "se_paired", "se_independent", "p_threshold_diff", "p_threshold_diff_se",
                      "p_greater", "p_baseline_greater"]:
                got = [num(r["value"]) for r in paired if (r["year"], r["statistic"]) == (str(y["year"]), k)]
                if len(got) != 1:
                    fail(f"{name} {y['year']} {k}: {len(got)} rows")
                same(got[0], y[k], f"{name} {y['year']} {k}")
        for k in ["p_lists_before_baseline", "p_baseline_lists_before"]:
            got = [num(r["value"]) for r in paired if r["statistic"] == k and r["year"] == ""]
            same(got[0] if len(got) == 1 else None, s[k], f"{name} {k}")
    # Each scenario's own rows are those of `run` with the same seed and trials.
    for path in [ISV, TURNKEY]:
        jr = json.loads(out("run", path, "--trials", "800", "--seed", "3", "--format", "json"))
        own = [r for r in rs if r["scenario"] == jr["scenario"] and r["baseline"] == "" and r["statistic"] != "p_reached_by"]
        check_tidy_against(own, jr, f"compare {jr['scenario']}")
    print(f"{len(rs)} tidy compare rows equal the JSON's values")


def tidy_sweep():
    key = "channels.government.p_win"
    text = out("sweep", TURNKEY, "--grid", f"{key}=0.2,0.6", "--trials", "600", "--seed", "5", "--tidy")
    if text.splitlines()[0] != f"scenario,seed,trials,{key},year,statistic,channel,value":
        fail(f"header: {text.splitlines()[0]}")
    rs = rows(text)
    for v in ["0.2", "0.6"]:
        jr = json.loads(out("run", TURNKEY, "--set", f"{key}={v}", "--trials", "600", "--seed", "5", "--format", "json"))
        check_tidy_against([r for r in rs if r[key] == v], jr, f"sweep point {v}")
    if {r[key] for r in rs} != {"0.2", "0.6"}:
        fail("grid values")
    wide = out("sweep", TURNKEY, "--grid", f"{key}=0.2,0.6", "--trials", "600", "--seed", "5").splitlines()
    if not wide[0].startswith(f"{key},2023_mean,") or not wide[0].endswith(",scenario,seed,trials"):
        fail(f"wide sweep header: {wide[0]}")
    if wide[1].split(",")[-3:] != ["turnkey-builder", "5", "600"]:
        fail(f"wide sweep row: {wide[1]}")
    print(f"{len(rs)} tidy sweep rows equal `run --set`'s JSON at each point")


def tidy_sensitivity():
    args = ["sensitivity", TURNKEY, "--trials", "300", "--seed", "2", "--stat", "p_threshold", "--year", "2025"]
    j = json.loads(out(*args, "--format", "json"))
    text = out(*args, "--format", "csv", "--tidy")
    cols = "scenario,seed,trials,year,statistic,channel,parameter,given,level,setting,value"
    if text.splitlines()[0] != cols:
        fail(f"header: {text.splitlines()[0]}")
    rs = rows(text)
    base = [r for r in rs if r["level"] == "base"]
    if len(base) != 1:
        fail("one base row")
    same(num(base[0]["value"]), j["base"], "base")
    if any((r["statistic"], r["year"], r["scenario"]) != ("p_threshold", "2025", "turnkey-builder") for r in rs):
        fail("statistic/year/scenario columns")
    for p in j["parameters"] if "parameters" in j else j["rows"]:
        mine = {r["level"]: r for r in rs if r["parameter"] == p["parameter"]}
        if set(mine) != {"low", "high", "swing"}:
            fail(f"{p['parameter']}: levels {sorted(mine)}")
        for k, level in enumerate(["low", "high"]):
            same(num(mine[level]["setting"]), p["levels"][k], f"{p['parameter']} {level} setting")
            same(num(mine[level]["value"]), p["stats"][k], f"{p['parameter']} {level} value")
        same(num(mine["swing"]["value"]), p["swing"], f"{p['parameter']} swing")
        if mine["low"]["given"] != p["given"]:
            fail(f"given: {mine['low']['given']!r} != {p['given']!r}")
    print(f"{len(rs)} tidy sensitivity rows equal the JSON's values")


def load_xlsx(path):
    import openpyxl
    return openpyxl.load_workbook(path)


def sheet_rows(ws):
    vals = list(ws.iter_rows(values_only=True))
    header = list(vals[0])
    if ws.freeze_panes != "A2":
        fail(f"sheet {ws.title}: header not frozen ({ws.freeze_panes})")
    return header, [dict(zip(header, r)) for r in vals[1:]]


def numeric(v, what):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        fail(f"{what}: {v!r} is not a number")
    return v


REL = 1e-15


def xlsx_run():
    x = os.path.join(TMP, "run.xlsx")
    args = ["--trials", "1000", "--seed", "7"]
    j = json.loads(out("run", EXAMPLE, *args, "--format", "json"))
    revsim("run", EXAMPLE, *args, "--format", "xlsx", "-o", x)
    wb = load_xlsx(x)
    want = ["manifest", "years", "channels", "first_crossing", "runway", "concentration", "accounts", "audit",
            "audit_entities"]
    if wb.sheetnames != want:
        fail(f"sheets {wb.sheetnames}")
    man = {r["key"]: r["value"] for r in sheet_rows(wb["manifest"])[1]}
    if man["seed"] != 7 or man["trials"] != 1000 or man["scenario file"] != EXAMPLE:
        fail(f"manifest: {man}")
    if len(man["scenario SHA-256"]) != 64 or not man["revsim version"]:
        fail(f"manifest: {man}")
    header, years = sheet_rows(wb["years"])
    if header[0] != "year" or len(years) != len(j["years"]):
        fail(f"years sheet: {header}")
    for r, y in zip(years, j["years"]):
        for k in header:
            same(numeric(r[k], f"years {k}"), y[k], f"years {y['year']} {k}", REL)
    _, ch = sheet_rows(wb["channels"])
    if len(ch) != 4 * len(j["years"]):
        fail("channels rows")
    for r in ch:
        y = next(y for y in j["years"] if y["year"] == numeric(r["year"], "channels year"))
        for k in ["mean", "p50", "p90", "share"]:
            same(numeric(r[k], "channels"), y["channels"][r["channel"]][k], f"channels {r['year']} {r['channel']} {k}", REL)
    _, conc = sheet_rows(wb["concentration"])
    for r, c in zip(conc, j["concentration"]):
        for k in ["year", "largest_share", "top5_share", "p_largest_over_half", "trials"]:
            same(numeric(r[k], "concentration"), c[k], f"concentration {k}", REL)
    _, acc = sheet_rows(wb["accounts"])
    if [a["name"] for a in acc] != [a["name"] for a in j["accounts"]]:
        fail("accounts")
    for r, a in zip(acc, j["accounts"]):
        for k in ["p_production", "mean_revenue", "median_first_order_month"]:
            same(None if r[k] is None else numeric(r[k], k), a[k], f"accounts {a['name']} {k}", REL)
    head, rw = sheet_rows(wb["runway"])
    if head != ["statistic", "months", "calendar month", "p"]:  # docs/model.md's words
        fail(f"runway columns {head}")
    if [r["statistic"] for r in rw] != ["runway_p10", "runway_p50", "runway_p90", "p_alive_12", "p_alive_24", "p_alive_36"]:
        fail("runway rows")
    for r in rw:
        k = r["statistic"]
        if k.startswith("runway_"):
            q = k.replace("runway_", "")
            same(r["months"], j["runway"][q], f"runway {k}", REL)
            if r["calendar month"] != j["runway"]["calendar"][q] or r["p"] is not None:
                fail(f"runway {k}: calendar month {r['calendar month']!r}, p {r['p']!r}")
        else:
            same(r["p"], j["runway"][k], f"runway {k}", REL)
            if r["months"] != int(k.rsplit("_", 1)[1]) or r["calendar month"] is not None:
                fail(f"runway {k}: months {r['months']!r}, calendar month {r['calendar month']!r}")
    _, fc = sheet_rows(wb["first_crossing"])
    if {str(r["year"]): r["p"] for r in fc} != j["first_crossing"]:
        fail("first_crossing")
    _, au = sheet_rows(wb["audit"])
    for r, f in zip(au, j["forecast_audit"]):
        for k in ["year", "forecast", "percentile", "p_at_least", "p10", "p50", "p90", "face_value"]:
            same(numeric(r[k], "audit"), f[k], f"audit {k}", REL)
    left = [f for f in os.listdir(TMP) if f != "run.xlsx"]
    if left:
        fail(f"temporary files left: {left}")
    print(f"xlsx: {len(wb.sheetnames)} sheets, every number numeric and equal to the JSON's")


def xlsx_audit_compare():
    x = os.path.join(TMP, "audit.xlsx")
    revsim("audit", EXAMPLE, "--trials", "500", "--seed", "1", "--format", "xlsx", "-o", x)
    j = json.loads(out("audit", EXAMPLE, "--trials", "500", "--seed", "1", "--format", "json"))
    wb = load_xlsx(x)
    if "audit" not in wb.sheetnames or "audit_entities" not in wb.sheetnames:
        fail(f"audit sheets: {wb.sheetnames}")
    _, ent = sheet_rows(wb["audit_entities"])
    want = [(f["year"], e["name"], e["face_value"]) for f in j["forecast_audit"] for e in f["face_by_entity"]]
    if len(ent) != len(want):
        fail("audit_entities rows")
    for r, (yr, name, v) in zip(ent, want):
        if r["year"] != yr or r["entity"] != name:
            fail(f"audit_entities {r}")
        same(numeric(r["face_value"], "face_value"), v, "face_value", REL)
    x = os.path.join(TMP, "compare.xlsx")
    args = ["compare", ISV, TURNKEY, "--trials", "800", "--seed", "3"]
    revsim(*args, "--format", "xlsx", "-o", x)
    j = json.loads(out(*args, "--format", "json"))
    wb = load_xlsx(x)
    if wb.sheetnames[:3] != ["manifest", "compare", "years"]:
        fail(f"compare sheets {wb.sheetnames}")
    man = [r for r in sheet_rows(wb["manifest"])[1] if r["key"] == "scenario file"]
    if [r["value"] for r in man] != [ISV, TURNKEY]:
        fail(f"manifest scenarios {man}")
    _, cmp = sheet_rows(wb["compare"])
    flat = [(s["scenario"], y) for s in j["scenarios"] for y in s["years"]]
    if len(cmp) != len(flat):
        fail("compare rows")
    for r, (name, y) in zip(cmp, flat):
        # The baseline's own rows: an empty baseline cell and empty paired cells (JSON null).
        is_base = name == j["baseline"]
        if r["scenario"] != name or r["baseline"] != (None if is_base else j["baseline"]):
            fail(f"compare row {r}")
        if is_base and (y["mean_diff"] is not None or r["mean_diff"] is not None):
            fail(f"baseline's paired statistics: {r} / {y}")
        for k in ["year", "mean", "p50", "p_threshold", "p_reached_by"] + ([] if is_base else [
                  "mean_diff", "se_paired", "se_independent", "p_threshold_diff", "p_threshold_diff_se", "p_greater",
                  "p_baseline_greater"]):
            same(numeric(r[k], k), y[k], f"compare {name} {y['year']} {k}", REL)
    header, years = sheet_rows(wb["years"])
    if header[:2] != ["scenario", "year"] or {r["scenario"] for r in years} != {s["scenario"] for s in j["scenarios"]}:
        fail(f"compare years sheet {header}")
    print("xlsx audit and compare sheets equal the JSON's")


def xlsx_sweep_sensitivity():
    key = "channels.government.p_win"
    x = os.path.join(TMP, "sweep.xlsx")
    revsim("sweep", TURNKEY, "--grid", f"{key}=0.2,0.6", "--trials", "600", "--seed", "5", "--format", "xlsx", "-o", x)
    wb = load_xlsx(x)
    if wb.sheetnames != ["manifest", "sweep"]:
        fail(f"sweep sheets {wb.sheetnames}")
    header, rs = sheet_rows(wb["sweep"])
    if header[:3] != [key, "trials", "year"]:
        fail(f"sweep header {header}")
    for v in [0.2, 0.6]:
        jr = json.loads(out("run", TURNKEY, "--set", f"{key}={v}", "--trials", "600", "--seed", "5", "--format", "json"))
        mine = [r for r in rs if numeric(r[key], key) == v]
        if len(mine) != len(jr["years"]):
            fail("sweep rows per point")
        for r, y in zip(mine, jr["years"]):
            for k in ["year", "mean", "p5", "p95", "p_threshold"]:
                same(numeric(r[k], k), y[k], f"sweep {v} {k}", REL)
            for c in CHANNELS:
                same(numeric(r[c + "_mean"], c), y["channels"][c]["mean"], f"sweep {v} {c}_mean", REL)
    x = os.path.join(TMP, "sens.xlsx")
    args = ["sensitivity", TURNKEY, "--trials", "300", "--seed", "2", "--stat", "mean", "--year", "2025"]
    revsim(*args, "--format", "xlsx", "-o", x)
    j = json.loads(out(*args, "--format", "json"))
    wb = load_xlsx(x)
    if wb.sheetnames != ["manifest", "sensitivity"]:
        fail(f"sensitivity sheets {wb.sheetnames}")
    man = {r["key"]: r["value"] for r in sheet_rows(wb["manifest"])[1]}
    same(man["base"], j["base"], "base", REL)
    header, rs = sheet_rows(wb["sensitivity"])
    if header != ["rank", "parameter", "given", "setting_low", "mean_low", "setting_high", "mean_high", "swing"]:
        fail(f"sensitivity header {header}")
    params = j["parameters"] if "parameters" in j else j["rows"]
    if [r["parameter"] for r in rs] != [p["parameter"] for p in params]:
        fail("sensitivity order")
    for r, p in zip(rs, params):
        same(numeric(r["mean_low"], "low"), p["stats"][0], "low", REL)
        same(numeric(r["mean_high"], "high"), p["stats"][1], "high", REL)
        same(numeric(r["swing"], "swing"), p["swing"], "swing", REL)
    print("xlsx sweep and sensitivity sheets equal the JSON's")


def xlsx_atomic():
    # A workbook that cannot be written leaves nothing behind: no file, no temporary.
    d = os.path.join(TMP, "out")
    os.mkdir(d)
    p = revsim("run", TURNKEY, "--trials", "200", "--format", "xlsx", "-o", "/dev/full", code=1)
    if b"cannot write /dev/full" not in p.stderr:
        fail(f"/dev/full: {p.stderr}")
    os.chmod(d, 0o500)
    if os.access(d, os.W_OK):  # root writes anywhere: the permission case needs another user
        print("running as root: the read-only directory case is skipped")
    else:
        revsim("run", TURNKEY, "--trials", "200", "--format", "xlsx", "-o", os.path.join(d, "r.xlsx"), code=2)
    os.chmod(d, 0o700)
    x = os.path.join(d, "r.xlsx")
    with open(x, "w") as f:
        f.write("old")
    revsim("run", TURNKEY, "--trials", "200", "--format", "xlsx", "-o", x)
    if open(x, "rb").read(2) != b"PK" or os.listdir(d) != ["r.xlsx"]:
        fail(f"replaced file / leftovers: {os.listdir(d)}")
    left = [f for f in os.listdir(TMP) if f != "out"]
    if left:
        fail(f"temporary files left in TMPDIR: {left}")
    print("xlsx written atomically; a failed write leaves nothing")


def strip_runtime(text):
    j = json.loads(text)
    j.pop("runtime", None)
    return j


def stdin():
    yaml = open(EXAMPLE, "rb").read()
    args = ["--trials", "1000", "--seed", "7", "--format", "json"]
    a = out("run", "-", *args, stdin=yaml)
    b = out("run", EXAMPLE, *args)
    strip = lambda t: "\n".join(l for l in t.splitlines() if not l.lstrip().startswith(('"seconds"', '"trials_per_second"')))
    if strip(a) != strip(b):
        fail("run - differs from run FILE beyond the runtime fields")
    if strip_runtime(a) != strip_runtime(b):
        fail("run - JSON differs")
    # Without `name`, a scenario from stdin is named "stdin".
    unnamed = b"\n".join(l for l in yaml.splitlines() if not l.startswith(b"name:")) + b"\n"
    j = json.loads(out("run", "-", "--trials", "200", "--format", "json", stdin=unnamed))
    if j["scenario"] != "stdin":
        fail(f"unnamed scenario from stdin: {j['scenario']}")
    # Errors name <stdin>:line:column.
    bad = yaml.replace(b"p_migrate: 0.6", b"p_migrate: 1.6", 1)
    if bad == yaml:
        bad = yaml + b"bogus_key: 1\n"
    p = revsim("run", "-", "--trials", "100", stdin=bad, code=2)
    err = p.stderr.decode()
    if not err.startswith("revsim: <stdin>:") or not err.split(":")[2].strip().isdigit():
        fail(f"error from stdin: {err}")
    p = revsim("validate", "-", stdin=b"", code=2)
    if "revsim: <stdin>: standard input is empty" not in p.stderr.decode():
        fail(f"empty stdin: {p.stderr}")
    v = out("validate", "-", stdin=yaml)
    if not v.startswith("<stdin>: ok — 'example'"):
        fail(f"validate -: {v}")
    # audit, compare (once), sweep, sensitivity, report read it too; sha256 in the manifest.
    out("audit", "-", "--trials", "300", stdin=yaml)
    c1 = json.loads(out("compare", "-", ISV, "--trials", "300", "--seed", "4", "--format", "json", stdin=yaml))
    c2 = json.loads(out("compare", EXAMPLE, ISV, "--trials", "300", "--seed", "4", "--format", "json"))
    c1.pop("runtime"), c2.pop("runtime")
    if c1 != c2:
        fail("compare - differs")
    s1 = out("sweep", "-", "--grid", "channels.isv.p_migrate=0.3,0.5", "--trials", "300", stdin=yaml)
    s2 = out("sweep", EXAMPLE, "--grid", "channels.isv.p_migrate=0.3,0.5", "--trials", "300")
    if s1 != s2:
        fail("sweep - differs")
    t1 = out("sensitivity", "-", "--trials", "100", "--format", "csv", stdin=open(TURNKEY, "rb").read())
    t2 = out("sensitivity", TURNKEY, "--trials", "100", "--format", "csv")
    if t1 != t2:
        fail("sensitivity - differs")
    html = out("report", "-", "--trials", "300", stdin=yaml)
    import hashlib
    if hashlib.sha256(yaml).hexdigest() not in html or "&lt;stdin&gt;" not in html and "<stdin>" not in html:
        fail("report -: the manifest lacks <stdin> or its SHA-256")
    print("'-' reads the scenario from standard input in run, audit, compare, sweep, sensitivity, report, validate")


{"tidy_run": tidy_run, "tidy_compare": tidy_compare, "tidy_sweep": tidy_sweep, "tidy_sensitivity": tidy_sensitivity,
 "xlsx_run": xlsx_run, "xlsx_audit_compare": xlsx_audit_compare, "xlsx_sweep_sensitivity": xlsx_sweep_sensitivity,
 "xlsx_atomic": xlsx_atomic, "stdin": stdin}[CASE]()
print(f"ok: {CASE}")
