#!/usr/bin/env bash
# merge_audit.sh REVSIM SCENARIO: a merge of `revsim audit` shards refuses --html, --samples and
# --histogram-year (exit 2, said, nothing written), as `revsim audit` itself does, and writes JSON.
set -u
bin="$1"; sc="$2"
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
for i in 0 1; do
  "$bin" -q audit "$sc" --trials 600 --seed 3 --shard $i/2 --partial "$dir/a-$i.bin" || fail "audit shard $i"
done
for flags in "--html $dir/x.html" "--samples $dir/x.csv" "--histogram-year 2024 --format json -o $dir/x.json"; do
  # shellcheck disable=SC2086
  out="$("$bin" merge "$dir"/a-*.bin $flags 2>&1)"; rc=$?
  [ "$rc" = 2 ] || fail "merge $flags: exit $rc, expected 2: $out"
  grep -q "\`revsim audit\` does not write them" <<<"$out" || fail "merge $flags: message: $out"
  [ ! -e "$dir/x.html" ] && [ ! -e "$dir/x.csv" ] && [ ! -e "$dir/x.json" ] || fail "merge $flags wrote a file"
done
"$bin" -q merge "$dir"/a-*.bin --format json -o "$dir/m.json" || fail "merge --format json"
grep -q '"forecast_audit"' "$dir/m.json" || fail "merged audit JSON has no forecast_audit"
echo "ok: merge of audit shards refuses --html, --samples, --histogram-year; writes JSON"
