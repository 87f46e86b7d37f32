#!/usr/bin/env bash
# SIGINT and SIGTERM stop a long run promptly (10 s hang guard, not a speed test): exit 130 / 143, a message saying how many
# trials were done, and no output file (not even a temporary one).
set -u
bin="$1"; scenario="$2"
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
for sig in INT TERM; do
  want=$([ $sig = INT ] && echo 130 || echo 143)
  "$bin" run "$scenario" --trials 3000000 --threads 2 -o "$dir/out.json" 2>"$dir/err" &
  pid=$!
  # Wait until trials are running (the run has printed nothing yet; give set-up a moment).
  sleep 2
  start=$(date +%s%N)
  kill -s $sig $pid
  wait $pid; rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  msg="$(cat "$dir/err")"
  echo "SIG$sig: exit $rc after ${ms} ms: $msg"
  [ "$rc" = "$want" ] || { echo "expected exit $want"; exit 1; }
  [ "$ms" -lt 10000 ] || { echo "took ${ms} ms to stop (a hang?)"; exit 1; }
  grep -Eq "interrupted by SIG$sig after [0-9]+ of 3000000 trials; nothing written" <<<"$msg" || { echo "bad message"; exit 1; }
  [ -z "$(ls "$dir" | grep -v '^err$')" ] || { echo "left files: $(ls "$dir")"; exit 1; }
done
echo ok
