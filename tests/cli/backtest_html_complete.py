#!/usr/bin/python3
"""backtest --html says everything the table says (an analyst found the top-5 share's P5-P95
coverage, the one line that read OUTSIDE, missing from the HTML, and the by-channel table and
the in-P5-P95 column too): each row of the HTML equals the JSON of the same run."""
import glob, json, os, re, subprocess, sys, tempfile

bin_, root = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(os.path.join(root, "scenarios", "history", "*.yaml")))
with tempfile.TemporaryDirectory() as d:
    html_path = os.path.join(d, "bt.html")
    j = json.loads(subprocess.run([bin_, "-q", "backtest", *files, "--trials", "500", "--format", "json",
                                   "--html", html_path], check=True, capture_output=True, text=True).stdout)
    html = open(html_path, encoding="utf-8").read()
fail = []
ov, t5 = j["overall"], j["top5_share"]
row = re.search(r"top-5 share: coverage of P5–P95</th><td>(\d+) of (\d+) = [^;]*; nominal 90 %: (inside|outside)\)", html)
if not row:
    fail.append("no top-5 P5-P95 coverage row")
channels = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(internet|carriers|government|isv)</td><td>([\d.]+)</td>", html)
want = [(c["scenario"], y["year"], ch, round(p["actual"], 1)) for c in j["companies"] for y in c["years"]
        for ch, p in (y.get("channels") or {}).items()]
got = [(s, int(y), ch, float(a)) for s, y, ch, a in channels]
if sorted(got) != sorted(want) or not want:
    fail.append(f"by-channel rows {got} != JSON {want}")
in90 = re.findall(r"<td>(yes|no)</td><td>(yes|no)</td><td>[\d.]+</td></tr>", html)
want90 = [("yes" if y["revenue"]["in_p10_p90"] else "no", "yes" if y["revenue"]["in_p5_p95"] else "no")
          for c in j["companies"] for y in c["years"]]
if in90 != want90:
    fail.append(f"in P10-P90 / in P5-P95 columns {in90} != JSON {want90}")
# A share is at most 1 (the top-5 sum over the total rounded to 1.0000000000000002).
over = [(c["scenario"], y["year"], k, v) for c in j["companies"] for y in c["years"] if y.get("top5_share")
        for k, v in y["top5_share"].items() if k in ("p5", "p10", "p25", "p50", "p75", "p90", "p95", "mean") and v > 1]
if over:
    fail.append(f"top-5 shares above 1: {over}")
if fail:
    print("FAIL:", *fail, sep="\n  ")
    sys.exit(1)
print(f"backtest HTML: top-5 P5-P95 row ({row.group(3)}), {len(got)} channel rows, {len(in90)} band rows equal the JSON")
