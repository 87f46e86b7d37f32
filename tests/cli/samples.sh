#!/usr/bin/env bash
# --samples with the drawn inputs and year-end cash, on run and compare (issue 15, part 3, last
# bullet): byte-identical whatever --threads; compare writes one block per scenario with a
# scenario column, each block the run's rows for the same seed; a bad name is refused.
set -eu
bin="$1"; scenarios="$2"
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
a="$scenarios/balanced.yaml"; b="$scenarios/carrier-bet.yaml"

"$bin" -q run "$a" --trials 300 --seed 5 --threads 1 --samples "$dir/r1.csv" >/dev/null
"$bin" -q run "$a" --trials 300 --seed 5 --threads 3 --samples "$dir/r3.csv" >/dev/null
cmp -s "$dir/r1.csv" "$dir/r3.csv" || fail "run --samples differs between 1 and 3 threads"
head -1 "$dir/r1.csv" | grep -q ',2023_cash,.*,input:product\.card_price' || fail "run header lacks cash or inputs: $(head -1 "$dir/r1.csv")"

"$bin" -q compare "$a" "$b" --trials 300 --seed 5 --threads 1 --samples "$dir/c1.csv" >/dev/null
"$bin" -q compare "$a" "$b" --trials 300 --seed 5 --threads 3 --samples "$dir/c3.csv" >/dev/null
cmp -s "$dir/c1.csv" "$dir/c3.csv" || fail "compare --samples differs between 1 and 3 threads"
[ "$(wc -l < "$dir/c1.csv")" = 601 ] || fail "compare samples have $(wc -l < "$dir/c1.csv") lines, expected 601"
head -1 "$dir/c1.csv" | grep -q '^scenario,trial,fail_month,first_crossing,' || fail "compare header: $(head -1 "$dir/c1.csv")"
# Trial indices 0..299 in each block, in order.
awk -F, 'NR > 1 { if ($2 != (NR - 2) % 300) { print "line " NR ": trial " $2; exit 1 } }' "$dir/c1.csv" \
  || fail "trial index column"

# A scenario against itself: identical blocks, and each is `run`'s rows for the same seed.
"$bin" -q compare "$a" "$a" --trials 300 --seed 5 --samples "$dir/self.csv" >/dev/null
tail -n +2 "$dir/self.csv" | head -300 | cut -d, -f2- > "$dir/block1"
tail -n +2 "$dir/self.csv" | tail -300 | cut -d, -f2- > "$dir/block2"
cmp -s "$dir/block1" "$dir/block2" || fail "a scenario against itself gave different blocks"
tail -n +2 "$dir/r1.csv" > "$dir/run_rows"
cmp -s "$dir/block1" "$dir/run_rows" || fail "compare's block differs from run's samples for the same seed"
"$bin" -q compare "$a" "$a" --trials 5 --seed 5 --samples "$dir/self.jsonl" >/dev/null
[ "$(wc -l < "$dir/self.jsonl")" = 10 ] || fail "compare jsonl has $(wc -l < "$dir/self.jsonl") lines"
head -1 "$dir/self.jsonl" | grep -q '^{"scenario":"[^"]*","trial":0,"fail_month":' || fail "jsonl row: $(head -1 "$dir/self.jsonl")"

# Bad input: the same refusal as run's, exit 2, nothing written.
set +e
"$bin" -q compare "$a" "$b" --trials 10 --samples "$dir/x.txt" > /dev/null 2> "$dir/err"; rc=$?
set -e
[ "$rc" = 2 ] || fail "compare --samples x.txt: exit $rc"
grep -q '^revsim: --samples .*x.txt: expected a file name ending in .csv or .jsonl' "$dir/err" || fail "message: $(cat "$dir/err")"
[ ! -e "$dir/x.txt" ] || fail "wrote x.txt"
echo "samples ok"
