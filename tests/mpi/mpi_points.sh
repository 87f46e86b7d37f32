#!/usr/bin/env bash
# Issue 16, the points over the ranks (sim/parallel/point_loop.hpp): `mpirun -n N revsim
# sweep|sensitivity|backtest ...` writes, byte for byte, the output of the plain single-process run
# (the runtime object aside), the points spread over the ranks in rounds (and the few left over
# split by trials); a point that fails on one rank leaves no output file and one message naming the
# rank. Loopback only; root allowed (as in CI).
#   mpi_points.sh MPIEXEC REVSIM SCENARIOS_DIR WORK_DIR CASE N
# CASE: sweep_points (7 points, CSV), sweep_precision (5 points to a --precision target), tornado, spider
# (sensitivity JSON), backtest (the three history scenarios, JSON), fail (4 points, the last one
# explodes; rank 1 runs it under -n 2), interrupt (SIGINT to rank 0 only during a 99-point sweep).
set -u
mpiexec="$1"; bin="$2"; dir="$3"; work="$4"; case="$5"; n="$6"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpirun=("$mpiexec" --oversubscribe --mca btl self,vader,tcp --mca btl_tcp_if_include lo
        --mca oob_tcp_if_include lo -n "$n")
out="$work/mpi_points_${case}_$n"
rm -rf "$out" && mkdir -p "$out" || exit 1
fail() { echo "mpi points ($case, $n ranks): $*"; exit 1; }

strip() { /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/strip_runtime.py" "$1"; }

# same NAME FORMAT ARGS...: the plain run (2 threads) and mpirun -n N (1 thread per rank) agree.
same() {
  local name="$1" format="$2"; shift 2
  "$bin" -q "$@" --threads 2 --format "$format" -o "$out/$name.plain.$format" || fail "plain run of $name failed"
  "${mpirun[@]}" "$bin" "$@" --threads 1 --format "$format" -o "$out/$name.mpi.$format" 2>"$out/$name.err" \
    || { cat "$out/$name.err"; fail "mpirun of $name failed"; }
  [ -s "$out/$name.plain.$format" ] || fail "empty output of $name"
  if [ "$format" = csv ]; then
    cmp "$out/$name.plain.csv" "$out/$name.mpi.csv" || fail "$name differs from the plain run"
    return 0
  fi
  local a b
  a="$(strip "$out/$name.plain.json")" && b="$(strip "$out/$name.mpi.json")" || fail "unreadable JSON of $name"
  if [ "$a" != "$b" ]; then
    diff <(echo "$a" | tr ',' '\n') <(echo "$b" | tr ',' '\n') | head -20
    fail "$name differs from the plain run"
  fi
  # Byte for byte once the runtime lines are cut (the only difference allowed).
  cmp -s <(grep -v -e '"seconds"' -e '"trials_per_second"' -e '"threads"' "$out/$name.plain.json") \
         <(grep -v -e '"seconds"' -e '"trials_per_second"' -e '"threads"' "$out/$name.mpi.json") \
    || fail "$name: the files differ beyond the runtime fields"
}

case "$case" in
  sweep_points)
    # 7 points on two axes (2 ranks: 3 each, then the last one split by trials; 3 ranks: 2 each,
    # then 1).
    same sweep csv sweep "$dir/example.yaml" --grid channels.government.p_win=0.2,0.3,0.4,0.5,0.6,0.7,0.8 \
      --grid company.cash=90 --trials 400 --seed 9 ;;
  sweep_precision)
    # 5 points to a precision target: rounds of trials of unequal length, each alone on its rank.
    same sweep_precision csv sweep "$dir/example.yaml" --grid channels.government.p_win=0.2,0.4,0.6,0.8,0.9 \
      --precision 0.02 --stat p_threshold --trials 400 --seed 4 ;;
  tornado) same tornado json sensitivity "$dir/turnkey-builder.yaml" --trials 100 --seed 3 ;;
  spider) same spider json sensitivity "$dir/turnkey-builder.yaml" --spider --stat mean --trials 20 --seed 5 ;;
  backtest) same backtest json backtest "$dir/history/cambricon-2019.yaml" "$dir/history/enflame-2022.yaml" \
              "$dir/history/iluvatar-2022.yaml" --trials 300 --seed 6 ;;
  fail)
    # Order growth of 100 a year makes the finance ISVs of example.yaml place more orders than
    # the model allows: the fourth point fails in its trials (under -n 2 on rank 1: points 2, 3).
    args=(sweep "$dir/example.yaml" --grid channels.isv.order_growth=0.3,0.4,0.5,100 --trials 300)
    "$bin" -q "${args[@]}" -o "$out/plain.csv" 2>"$out/plain.err"; rc=$?
    [ "$rc" != 0 ] || fail "the plain run of the failing sweep exited 0"
    grep -q "more than 1000000 orders" "$out/plain.err" || { cat "$out/plain.err"; fail "the plain run failed otherwise"; }
    msg="$("${mpirun[@]}" "$bin" -q "${args[@]}" --threads 1 -o "$out/never.csv" 2>&1 >/dev/null)"; rc=$?
    [ "$rc" != 0 ] || fail "a failing point exited 0"
    [ ! -e "$out/never.csv" ] || fail "a failing point wrote the output"
    count="$(grep -c '^revsim: ' <<<"$msg")"
    [ "$count" = 1 ] || { echo "$msg"; fail "expected one revsim message, got $count"; }
    grep -q "more than 1000000 orders" <<<"$msg" || { echo "$msg"; fail "the message does not say why"; }
    [ "$n" = 1 ] || grep -q "^revsim: rank $((n - 1)): " <<<"$msg" || { echo "$msg"; fail "the message does not name the rank"; }
    ls -A "$out" | grep -q '^\.' && { ls -A "$out"; fail "a temporary file was left behind"; } ;;
  interrupt)
    # Ctrl-C reaching rank 0 only (the hardest case: the other ranks are mid-round): every rank
    # stops at the end of the round, nothing is written, the exit status is non-zero, no hang.
    # 99 points of 1 000 trials (≈ 2 s a rank on a quiet machine, rounds of 16 points): interrupted
    # 0.8 s after rank 0 starts (while it plans or runs its first round).
    "${mpirun[@]}" "$bin" sweep "$dir/example.yaml" --grid channels.government.p_win=0.01:0.99:0.01 \
      --trials 1000 --threads 1 -o "$out/never.csv" 2>"$out/err" &
    job=$!
    rank0=""
    for _ in $(seq 100); do
      for p in $(pgrep -P "$job"); do
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=0' && rank0="$p"
      done
      [ -n "$rank0" ] && break
      sleep 0.05
    done
    [ -n "$rank0" ] || { kill "$job"; fail "rank 0 not found"; }
    sleep 0.8
    kill -INT "$rank0"
    for _ in $(seq 200); do kill -0 "$job" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$job" 2>/dev/null; then kill -KILL "$job"; fail "still running 10 s after SIGINT (a hang)"; fi
    wait "$job"; rc=$?
    [ "$rc" != 0 ] || fail "an interrupted sweep exited 0"
    [ ! -e "$out/never.csv" ] || fail "an interrupted sweep wrote its output"
    grep -q "^revsim: interrupted by SIGINT" "$out/err" || { cat "$out/err"; fail "no 'interrupted' message"; } ;;
  *) echo "unknown case $case"; exit 2 ;;
esac
echo "mpi points ($case, $n ranks): ok"
