#!/usr/bin/env bash
# revsim report / --html / --samples: files written atomically, nothing on bad input, samples
# consistent with themselves (channels add up to the total) and with the JSON report.
set -eu
bin="$1"; scenarios="$2"
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$bin" report "$scenarios/balanced.yaml" --trials 2000 -o "$dir/r.html" --quiet 2>/dev/null
grep -q '<figure id="fan-chart">' "$dir/r.html" || fail "report lacks the fan chart"
grep -q '</html>' "$dir/r.html" || fail "report is not complete"
[ "$(ls "$dir")" = "r.html" ] || fail "unexpected files: $(ls "$dir")"
# Deterministic: the same run gives the same report but for the date and the command line.
"$bin" report "$scenarios/balanced.yaml" --trials 2000 --threads 1 -o "$dir/r1.html" --quiet 2>/dev/null
diff <(grep -v -e '<th>date</th>' -e '<th>command</th>' -e '<th>threads</th>' "$dir/r.html") \
     <(grep -v -e '<th>date</th>' -e '<th>command</th>' -e '<th>threads</th>' "$dir/r1.html") >/dev/null \
  || fail "report differs between 1 and all threads"

# --html and --samples beside the table; samples have trials + 1 rows and 3 + 6 x years columns,
# then a cash column per year and the input: columns.
"$bin" run "$scenarios/turnkey-builder.yaml" --trials 500 --html "$dir/t.html" --samples "$dir/s.csv" \
  --format json -o "$dir/t.json" 2>/dev/null
[ -s "$dir/t.html" ] || fail "--html wrote nothing"
[ "$(wc -l < "$dir/s.csv")" = 501 ] || fail "samples.csv has $(wc -l < "$dir/s.csv") lines"
awk -F, 'NR == 1 { n = 0; for (i = 39; i <= NF; ++i) if ($i ~ /^input:/) ++n
                   if (NF != 38 + n || n == 0 || $34 != "2023_cash" || $38 != "2027_cash") { print "header: " $0; exit 1 } next }
         { for (y = 0; y < 5; ++y) { b = 4 + 6 * y; s = $(b+1) + $(b+2) + $(b+3) + $(b+4);
             d = s - $b; if (d > 1e-6 * (1 + $b) || d < -1e-6 * (1 + $b)) { print "row " NR " year " y ": channels " s " total " $b; exit 1 } } }' \
  "$dir/s.csv" || fail "channels do not add up to the total"
# The mean of the 2025 column is the JSON mean of 2025 (to print precision).
mean_csv="$(awk -F, 'NR > 1 { s += $16 } END { printf "%.6f", s / (NR - 1) }' "$dir/s.csv")"
mean_json="$(grep -A3 '"year": 2025' "$dir/t.json" | awk -F': ' '/"mean"/ { gsub(",", "", $2); printf "%.6f", $2 }')"
[ "$mean_csv" = "$mean_json" ] || fail "2025 mean: samples $mean_csv, JSON $mean_json"
"$bin" run "$scenarios/turnkey-builder.yaml" --trials 7 --samples "$dir/s.jsonl" >/dev/null 2>&1
[ "$(wc -l < "$dir/s.jsonl")" = 7 ] || fail "samples.jsonl has $(wc -l < "$dir/s.jsonl") lines"
grep -q '^{"trial":0,"fail_month":' "$dir/s.jsonl" || fail "jsonl row shape"

# Bad input: exit 2 and nothing written.
if "$bin" run "$scenarios/turnkey-builder.yaml" --samples "$dir/x.txt" 2>/dev/null; then fail "accepted x.txt"; fi
[ ! -e "$dir/x.txt" ] || fail "wrote x.txt"
printf 'years: 0\n' > "$dir/bad.yaml"
if "$bin" report "$dir/bad.yaml" -o "$dir/bad.html" 2>/dev/null; then fail "bad scenario accepted"; fi
[ ! -e "$dir/bad.html" ] || fail "bad report left a file"
if "$bin" run "$scenarios/turnkey-builder.yaml" --html /nonexistent/dir/r.html 2>/dev/null; then fail "unwritable --html accepted"; fi
if "$bin" report "$scenarios/turnkey-builder.yaml" --histogram-year 1999 -o "$dir/h.html" 2>/dev/null; then fail "bad --histogram-year accepted"; fi
[ ! -e "$dir/h.html" ] || fail "bad --histogram-year left a file"
ls "$dir" | grep -q tmp && fail "temporary file left behind: $(ls "$dir")"
echo ok
