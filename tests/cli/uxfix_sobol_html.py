"""uxfix: `revsim sensitivity --sobol` writes, for every factor, the same "told apart from zero"
in the HTML report (data-distinguishable) and the text table as the JSON's
distinguishable_from_zero; on carrier-bet (P(>= 200 M) in 2025) (luck) is told apart from zero.
Usage: uxfix_sobol_html.py REVSIM SCENARIO OUTDIR"""
import json
import os
import re
import subprocess
import sys

revsim, scenario, out = sys.argv[1:4]
j, h = os.path.join(out, "uxfix_sobol.json"), os.path.join(out, "uxfix_sobol.html")
base = [revsim, "sensitivity", scenario, "--sobol", "--stat", "p_threshold", "--year", "2025", "-n", "500", "-q"]
subprocess.run(base + ["--format", "json", "-o", j, "--html", h], check=True)
table = subprocess.run(base, check=True, capture_output=True, text=True).stdout
doc = json.load(open(j))
rows = dict(re.findall(r'data-factor="([^"]+)"[^>]*data-distinguishable="(true|false)"', open(h).read()))
bad = 0
for f in doc["factors"]:
    if f["factor"] not in rows:
        continue  # the chart shows the top rows only
    if (rows[f["factor"]] == "true") != f["distinguishable_from_zero"]:
        print("HTML disagrees with the JSON:", f["factor"])
        bad += 1
# Text: a factor is in the zero group when the nearest group line above it says "not told apart".
group = "ranked"
for line in table.splitlines():
    if line.strip().startswith(("not told apart", "told apart")):
        group = "zero" if "not told apart" in line else "nonzero"
        continue
    for f in doc["factors"]:
        if re.match(r"\s+\d*\s+" + re.escape(f["factor"]) + r"\s", line):
            in_zero = group == "zero"
            if in_zero == f["distinguishable_from_zero"]:
                print("table disagrees with the JSON:", f["factor"], "under", group)
                bad += 1
luck = [f for f in doc["factors"] if f["factor"] == "(luck)"][0]
if not (luck["distinguishable_from_zero"] and rows.get("(luck)") == "true"):
    print("(luck) should be told apart from zero here:", luck)
    bad += 1
print("sobol html/table agree with the JSON" if bad == 0 else f"{bad} disagreements")
sys.exit(1 if bad else 0)
