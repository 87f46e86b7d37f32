#!/usr/bin/env bash
# resume.sh BIN SCENARIO KILL|INT: a run killed with SIGKILL mid-way (after its first checkpoint
# appears) and resumed with --resume gives the bytes of an uninterrupted run (`runtime` aside);
# likewise after SIGINT (exit 130, the message says where the checkpoint is). A run that was
# killed wrote no output. With KILL, a checkpoint of another seed or trial count is refused (exit 2).
set -u
bin="$1"; scenario="$2"; sig="$3"
dir="$(mktemp -d)"; trap 'kill -KILL $pid 2>/dev/null; rm -rf "$dir"' EXIT
pid=0
fail() { echo "FAIL: $*"; exit 1; }
strip() { /usr/bin/python3 -c '
import json, sys
j = json.load(open(sys.argv[1])); j.pop("runtime", None); print(json.dumps(j, indent=1))' "$1"; }

N=25000
loud=(run "$scenario" --trials $N --seed 11 --threads 2 --format json)
args=("${loud[@]}" -q)
"$bin" "${args[@]}" -o "$dir/ref.json" || fail "reference run"

# Start a checkpointed run and wait (polling, at most 20 s) for its first checkpoint.
start_and_wait() {
  rm -f "$dir/ck.bin" "$dir/out.json"
  "$bin" "${args[@]}" -o "$dir/out.json" --checkpoint "$dir/ck.bin" --checkpoint-every 0.1 2>"$dir/err" &
  pid=$!
  for _ in $(seq 400); do
    [ -s "$dir/ck.bin" ] && return 0
    kill -0 $pid 2>/dev/null || fail "the run ended before its first checkpoint: $(cat "$dir/err")"
    sleep 0.05
  done
  fail "no checkpoint after 20 s"
}

start_and_wait
kill -s $sig $pid; wait $pid; rc=$?
want=$([ $sig = KILL ] && echo 137 || echo 130)
[ "$rc" = "$want" ] || fail "SIG$sig: exit $rc, expected $want ($(cat "$dir/err"))"
[ ! -e "$dir/out.json" ] || fail "SIG$sig: the killed run wrote its output"
if [ $sig = INT ]; then
  grep -Eq "interrupted by SIGINT after [0-9]+ of $N trials; no output written; checkpoint .*ck.bin holds [0-9]+ of $N trials: continue with --resume" "$dir/err" \
    || fail "SIGINT message: $(cat "$dir/err")"
fi
"$bin" "${loud[@]}" -o "$dir/out.json" --resume "$dir/ck.bin" 2>"$dir/err2" || fail "resume after SIG$sig: $(cat "$dir/err2")"
msg="$(cat "$dir/err2")"
grep -Eq "resumed from .*ck.bin at [0-9]+ of $N trials" <<<"$msg" || fail "no resume message: $msg"
# Said when the checkpoint is loaded, before the run writes its output (not after "wrote").
grep -q "wrote .*out.json" <<<"$msg" || fail "no 'wrote' message: $msg"
[ "$(grep -n 'resumed from' <<<"$msg" | cut -d: -f1)" -lt "$(grep -n 'wrote' <<<"$msg" | cut -d: -f1)" ] \
  || fail "the resume is said after the output: $msg"
done_trials=$(grep -Eo 'at [0-9]+ of' <<<"$msg" | grep -Eo '[0-9]+')
[ "$done_trials" -gt 0 ] && [ "$done_trials" -lt $N ] || fail "SIG$sig: resumed at $done_trials of $N: not mid-way"
cmp -s <(strip "$dir/ref.json") <(strip "$dir/out.json") || fail "SIG$sig: resumed output differs from one run"
echo "SIG$sig: exit $rc; resumed at $done_trials of $N trials; output = uninterrupted run"
[ $sig = KILL ] || { echo ok; exit 0; }

# A checkpoint is only for its own job.
out="$("$bin" run "$scenario" --trials $N --seed 12 --threads 2 --format json -q -o "$dir/x.json" --resume "$dir/ck.bin" 2>&1)"; rc=$?
[ "$rc" = 2 ] && grep -q "resume refused: .*ck.bin has seed 11, this run seed 12" <<<"$out" || fail "other seed: exit $rc: $out"
out="$("$bin" run "$scenario" --trials 20000 --seed 11 --threads 2 --format json -q -o "$dir/x.json" --resume "$dir/ck.bin" 2>&1)"; rc=$?
[ "$rc" = 2 ] && grep -q "is of a $N-trial run, this run of a 20000-trial run" <<<"$out" || fail "other trials: exit $rc: $out"
[ ! -e "$dir/x.json" ] || fail "a refused resume wrote an output"
echo "refused: $out"
echo ok
