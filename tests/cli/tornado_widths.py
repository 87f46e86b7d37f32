#!/usr/bin/python3
"""tornado_widths.py REVSIM SCENARIO: the tornado's table keeps its columns when an entity has a
long (and a CJK) name: every row is as wide on a terminal as the header (East Asian wide
characters count two columns), and the name column grows to the longest name shown."""
import re
import subprocess
import sys
import tempfile
import unicodedata

revsim, scenario = sys.argv[1], sys.argv[2]
text = open(scenario, encoding="utf-8").read()
long_name = "投资方云计算平台 Investor Cloud Platform Holdings"
text, n = re.subn(r"- name: Investor Cloud$", "- name: " + long_name, text, flags=re.M)
assert n == 1, "the scenario has no account named Investor Cloud"
with tempfile.NamedTemporaryFile("w", suffix=".yaml", encoding="utf-8", delete=False) as f:
    f.write(text)
out = subprocess.run([revsim, "sensitivity", f.name, "--trials", "200", "--top", "30"], check=True,
                     capture_output=True, text=True).stdout.splitlines()


def width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


header = next(i for i, l in enumerate(out) if l.lstrip().startswith("rank"))
rows = [l for l in out[header + 1:] if re.match(r"^\s+\d+\s", l)]
assert len(rows) == 30, out
assert any(long_name in r for r in rows), "the long name is not among the rows shown"
widths = {width(r) for r in rows} | {width(out[header])}
assert len(widths) == 1, f"rows of different widths {sorted(widths)}:\n" + "\n".join(out[header:header + 31])
print(f"ok: header and 30 rows all {widths.pop()} columns wide")
