#!/usr/bin/env bash
# shards.sh BIN SCENARIO_DIR: `--shard i/N --partial FILE` then `revsim merge` gives the bytes of
# one run (JSON, CSV, table; `runtime` aside) for run, audit and compare, whatever order the
# partials are given in and whatever --threads each shard used; and merge refuses a missing
# shard, a duplicated one, one of another scenario, seed or trial count, and a truncated or
# corrupted file, each with exit 2, a message naming the file, and no output written.
set -u
bin="$1"; sc="$2"
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# JSON without the runtime objects (anywhere), the table without its runtime line.
strip() {
  case "$1" in
    *.json) /usr/bin/python3 -c '
import json, sys
def drop(x):
    if isinstance(x, dict): return {k: drop(v) for k, v in x.items() if k != "runtime"}
    if isinstance(x, list): return [drop(v) for v in x]
    return x
print(json.dumps(drop(json.load(open(sys.argv[1]))), indent=1))' "$1" ;;
    *) grep -v '^runtime: ' "$1" ;;
  esac
}
same() { cmp -s <(strip "$1") <(strip "$2") || { diff <(strip "$1") <(strip "$2") | head -20; fail "$3"; }; }

N=1500
common=(--trials $N --seed 7 --set company.cash=150 -q)

# ---- run: three shards, merged, against one run --------------------------------------------
"$bin" run "$sc/example.yaml" "${common[@]}" --format json -o "$dir/one.json" || fail "one run"
"$bin" run "$sc/example.yaml" "${common[@]}" --format csv -o "$dir/one.csv" || fail "one run csv"
"$bin" run "$sc/example.yaml" "${common[@]}" -o "$dir/one.txt" || fail "one run table"
for i in 0 1 2; do
  "$bin" run "$sc/example.yaml" "${common[@]}" --threads $((i + 1)) --shard $i/3 --partial "$dir/part-$i.bin" \
    || fail "shard $i/3"
done
# The scenario file is not needed any more: merge runs from the partials alone.
(cd "$dir" && "$bin" merge part-2.bin part-0.bin part-1.bin --format json -o merged.json -q) || fail "merge json"
"$bin" merge "$dir"/part-*.bin --format csv -o "$dir/merged.csv" -q || fail "merge csv"
"$bin" merge "$dir"/part-*.bin -o "$dir/merged.txt" -q || fail "merge table"
same "$dir/one.json" "$dir/merged.json" "run: merged JSON differs from one run"
cmp -s "$dir/one.csv" "$dir/merged.csv" || fail "run: merged CSV differs from one run"
same "$dir/one.txt" "$dir/merged.txt" "run: merged table differs from one run"
grep -q "\"trials\": 1500" "$dir/merged.json" || fail "merged JSON does not say 1500 trials"
echo "run: 3 shards merged = one run (json, csv, table)"

# --samples of a sharded run: the shards keep every trial's drawn inputs and year-end cash, so
# `merge --samples` writes the one run's samples file (CSV and JSONL), byte for byte.
"$bin" run "$sc/example.yaml" "${common[@]}" --samples "$dir/one-samples.csv" -o "$dir/one-s.txt" || fail "one run --samples"
"$bin" run "$sc/example.yaml" "${common[@]}" --samples "$dir/one-samples.jsonl" -o "$dir/one-s2.txt" || fail "one run --samples jsonl"
"$bin" merge "$dir"/part-*.bin --samples "$dir/merged-samples.csv" -o "$dir/merged-s.txt" -q || fail "merge --samples csv"
"$bin" merge "$dir"/part-*.bin --samples "$dir/merged-samples.jsonl" -o "$dir/merged-s2.txt" -q || fail "merge --samples jsonl"
cmp -s "$dir/one-samples.csv" "$dir/merged-samples.csv" || fail "run: merged --samples CSV differs from one run's"
cmp -s "$dir/one-samples.jsonl" "$dir/merged-samples.jsonl" || fail "run: merged --samples JSONL differs from one run's"
[ "$(wc -l < "$dir/merged-samples.csv")" = $((N + 1)) ] || fail "merged --samples CSV: not $N rows and a header"
same "$dir/one-s.txt" "$dir/merged-s.txt" "run: merged table (with --samples) differs from one run"
echo "run: merge --samples = one run's samples (csv, jsonl)"

# ---- audit and compare: two shards ---------------------------------------------------------
"$bin" audit "$sc/example.yaml" "${common[@]}" --format json -o "$dir/audit.json" || fail "audit"
"$bin" compare "$sc/example.yaml" "$sc/isv-first.yaml" "${common[@]}" --format json -o "$dir/cmp.json" || fail "compare"
for i in 0 1; do
  "$bin" audit "$sc/example.yaml" "${common[@]}" --shard $i/2 --partial "$dir/audit-$i.bin" || fail "audit shard $i"
  "$bin" compare "$sc/example.yaml" "$sc/isv-first.yaml" "${common[@]}" --shard $i/2 --partial "$dir/cmp-$i.bin" \
    || fail "compare shard $i"
done
"$bin" merge "$dir"/audit-*.bin --format json -o "$dir/audit-merged.json" -q || fail "merge audit"
"$bin" merge "$dir"/cmp-*.bin --format json -o "$dir/cmp-merged.json" -q || fail "merge compare"
same "$dir/audit.json" "$dir/audit-merged.json" "audit: merged JSON differs from one run"
same "$dir/cmp.json" "$dir/cmp-merged.json" "compare: merged JSON differs from one run"
echo "audit, compare: 2 shards merged = one run"

# ---- refusals: exit 2, the reason, nothing written -------------------------------------------
refused() {  # refused REGEX FILES...
  local regex="$1"; shift
  rm -f "$dir/out.json"
  out="$("$bin" merge "$@" --format json -o "$dir/out.json" 2>&1)"; rc=$?
  [ "$rc" = 2 ] || fail "merge $*: exit $rc, expected 2: $out"
  grep -Eq -- "$regex" <<<"$out" || fail "merge $*: message '$out' does not match /$regex/"
  [ ! -e "$dir/out.json" ] || fail "merge $*: wrote an output"
  echo "refused: $out"
}
p0="$dir/part-0.bin"; p1="$dir/part-1.bin"; p2="$dir/part-2.bin"
refused "shard 1/3 of the 3 is missing" "$p0" "$p2"
refused "shard 1/3 given twice" "$p0" "$p1" "$p1" "$p2"
"$bin" run "$sc/isv-first.yaml" "${common[@]}" --shard 1/3 --partial "$dir/x.bin" || fail "other scenario shard"
refused "x.bin is of another scenario: .*isv-first.yaml" "$p0" "$dir/x.bin" "$p2"
"$bin" run "$sc/example.yaml" --trials $N --seed 8 --set company.cash=150 -q --shard 1/3 --partial "$dir/x.bin" || fail "seed 8 shard"
refused "x.bin has seed 8, .*part-0.bin seed 7" "$p0" "$dir/x.bin" "$p2"
"$bin" run "$sc/example.yaml" --trials 2000 --seed 7 --set company.cash=150 -q --shard 1/3 --partial "$dir/x.bin" || fail "4000 shard"
refused "x.bin is of a 2000-trial run, .*part-0.bin of a 1500-trial run" "$p0" "$dir/x.bin" "$p2"
"$bin" run "$sc/example.yaml" "${common[@]}" --shard 1/2 --partial "$dir/x.bin" || fail "1/2 shard"
refused "different splits" "$p0" "$dir/x.bin" "$p2"
head -c 1000 "$p1" >"$dir/x.bin"
refused "x.bin: checksum mismatch: the file is truncated, corrupted" "$p0" "$dir/x.bin" "$p2"
cp "$p1" "$dir/x.bin"; printf '\x55' | dd of="$dir/x.bin" bs=1 seek=5000 conv=notrunc status=none
refused "x.bin: checksum mismatch" "$p0" "$dir/x.bin" "$p2"
refused "nope.bin: cannot open the file" "$p0" "$dir/nope.bin" "$p2"
echo ok
