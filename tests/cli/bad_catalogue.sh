#!/usr/bin/env bash
# The hostile-input catalogue through the command line: every scenario in tests/data/bad/ (its
# first line says "# expect: TEXT"), a 50 MB file and bad flag combinations each give exit 2,
# a message naming the place, no output file, and no hang (10 s guard: a refusal takes milliseconds
# in Release, about a second under ASan on a loaded machine; speed is not asserted here).
set -u
bin="$1"; bad="$2"; good="$3"
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
fail=0; n=0
check() {  # check NAME EXPECTED_REGEX CMD... (the command writes -o $dir/out)
  local name="$1" regex="$2"; shift 2
  local start end ms out rc
  start=$(date +%s%N)
  out="$("$@" 2>&1)"; rc=$?
  end=$(date +%s%N); ms=$(( (end - start) / 1000000 ))
  n=$((n + 1))
  if [ "$rc" != 2 ]; then echo "FAIL $name: exit $rc, expected 2: $out"; fail=1; fi
  if ! grep -Fq -- "$regex" <<<"$out"; then echo "FAIL $name: message lacks '$regex': ${out:0:300}"; fail=1; fi
  if [ -n "$(ls -A "$dir")" ]; then echo "FAIL $name: left $(ls -A "$dir")"; rm -f "$dir"/*; fail=1; fi
  if [ "$ms" -ge 10000 ]; then echo "FAIL $name: took $ms ms (a hang?)"; fail=1; fi
}
for f in "$bad"/*.yaml; do
  expect="$(head -1 "$f" | sed 's/^# expect: //')"
  check "$(basename "$f")" "$f:" "$bin" run "$f" -o "$dir/out.json"
  check "$(basename "$f") (message)" "$expect" "$bin" run "$f" -o "$dir/out.json"
done
# A 50 MB scenario (generated, not kept in the repository).
big="$(mktemp)"; trap 'rm -rf "$dir" "$big"' EXIT
{ echo "name: big"; head -c 50000000 /dev/zero | tr '\0' '#'; echo; } > "$big"
check "50 MB file" "scenarios are limited to 4194304 bytes" "$bin" run "$big" -o "$dir/out.json"
# Bad flags.
check "--trials 0" "--trials" "$bin" run "$good" --trials 0 -o "$dir/out.json"
check "--trials 1e15" "--trials" "$bin" run "$good" --trials 1000000000000000 -o "$dir/out.json"
check "--trials word" "--trials" "$bin" run "$good" --trials many -o "$dir/out.json"
check "--threads 0" "--threads" "$bin" run "$good" --threads 0 -o "$dir/out.json"
check "--threads 5000" "--threads" "$bin" run "$good" --threads 5000 -o "$dir/out.json"
check "--seed -1" "--seed" "$bin" run "$good" --seed -1 -o "$dir/out.json"
check "--format xml" "--format" "$bin" run "$good" --format xml -o "$dir/out.json"
check "unknown flag" "--trails" "$bin" run "$good" --trails 5 -o "$dir/out.json"
check "no scenario" "scenario is required" "$bin" run -o "$dir/out.json"
check "-o into a missing directory" "cannot write there" "$bin" run "$good" -o "$dir/missing/out.json"
check "10^9 trials kept" "GiB to keep every sample" "$bin" run "$good" --trials 1000000000 --samples "$dir/s.csv" -o "$dir/out.json"
echo "$n checks"
[ "$fail" = 0 ] && echo ok
exit $fail
