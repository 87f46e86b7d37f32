#!/usr/bin/env bash
# -o writes the file atomically (no temporary left behind); a failed run writes nothing.
set -eu
bin="$1"; scenario="$2"
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
"$bin" run "$scenario" --trials 300 --format json -o "$dir/out.json" 2>/dev/null
grep -q '"years"' "$dir/out.json" || { echo "out.json lacks years"; exit 1; }
[ "$(ls "$dir")" = "out.json" ] || { echo "unexpected files: $(ls "$dir")"; exit 1; }
printf 'years: 0\n' > "$dir/bad.yaml"
if "$bin" run "$dir/bad.yaml" -o "$dir/bad.json" 2>/dev/null; then echo "bad scenario accepted"; exit 1; fi
[ ! -e "$dir/bad.json" ] || { echo "bad run left an output file"; exit 1; }
echo ok
