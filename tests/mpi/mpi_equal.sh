#!/usr/bin/env bash
# Issue 16: `mpirun -n N revsim SUBCOMMAND ...` writes, byte for byte, the JSON of the plain
# single-process run (the runtime object aside), and a rank that fails leaves no output file and
# one message. Loopback only; root allowed (as in CI).
#   mpi_equal.sh MPIEXEC REVSIM SCENARIOS_DIR WORK_DIR CASE N
# CASE: run, compare, sobol (JSON), sweep (CSV: it has no runtime), or fail (rank N-1 cannot
# read its scenario).
set -u
mpiexec="$1"; bin="$2"; dir="$3"; work="$4"; case="$5"; n="$6"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpirun=("$mpiexec" --oversubscribe --mca btl self,vader,tcp --mca btl_tcp_if_include lo
        --mca oob_tcp_if_include lo -n "$n")
out="$work/mpi_${case}_$n"
rm -rf "$out" && mkdir -p "$out" || exit 1

format=json
case "$case" in
  run) args=(run "$dir/example.yaml" --trials 3000 --seed 5) ;;
  compare) args=(compare "$dir/balanced.yaml" "$dir/internet-first.yaml" --trials 2000 --seed 3) ;;
  sweep) args=(sweep "$dir/example.yaml" --grid channels.government.p_win=0.2,0.6 --trials 700 --seed 2); format=csv ;;
  sobol) args=(sensitivity "$dir/example.yaml" --sobol --trials 128 --bootstrap 50 --seed 4) ;;
  fail)
    # Every rank but the last reads the scenario; the last is given a file that does not exist.
    cat >"$out/one.sh" <<EOF
#!/usr/bin/env bash
rank="\${OMPI_COMM_WORLD_RANK:-0}"
scenario="$dir/example.yaml"
[ "\$rank" = "$((n - 1))" ] && scenario="$out/missing.yaml"
exec "$bin" -q run "\$scenario" --trials 3000 --format json -o "$out/never.json"
EOF
    chmod +x "$out/one.sh"
    msg="$("${mpirun[@]}" "$out/one.sh" 2>&1 >/dev/null)"; rc=$?
    [ "$rc" != 0 ] || { echo "a failing rank exited 0"; exit 1; }
    [ ! -e "$out/never.json" ] || { echo "a failing run wrote its output"; exit 1; }
    count="$(grep -c '^revsim: ' <<<"$msg")"
    [ "$count" = 1 ] || { echo "expected one revsim message, got $count:"; echo "$msg"; exit 1; }
    grep -q "^revsim: .*missing.yaml" <<<"$msg" || { echo "the message does not name the file:"; echo "$msg"; exit 1; }
    [ "$n" = 1 ] || grep -q "^revsim: rank $((n - 1)): " <<<"$msg" || { echo "the message does not name the rank:"; echo "$msg"; exit 1; }
    ls "$out" | grep -q '^\.' && { echo "a temporary file was left behind"; ls -a "$out"; exit 1; }
    echo ok
    exit 0 ;;
  *) echo "unknown case $case"; exit 2 ;;
esac

"$bin" -q "${args[@]}" --threads 2 --format "$format" -o "$out/plain.$format" || { echo "plain run failed"; exit 1; }
"${mpirun[@]}" "$bin" -q "${args[@]}" --threads 1 --format "$format" -o "$out/mpi.$format" \
  || { echo "mpirun -n $n failed"; exit 1; }
if [ "$format" = csv ]; then
  [ -s "$out/plain.csv" ] || { echo "empty output"; exit 1; }
  cmp "$out/plain.csv" "$out/mpi.csv" || { echo "mpirun -n $n $case differs from the plain run"; exit 1; }
  echo ok
  exit 0
fi
strip() { /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/strip_runtime.py" "$1"; }
a="$(strip "$out/plain.json")" && b="$(strip "$out/mpi.json")" || { echo "unreadable JSON"; exit 1; }
[ -n "$a" ] || { echo "empty output"; exit 1; }
if [ "$a" != "$b" ]; then
  echo "mpirun -n $n $case differs from the plain run:"
  diff <(echo "$a" | tr ',' '\n') <(echo "$b" | tr ',' '\n') | head -20
  exit 1
fi
# Byte for byte: the files are equal once the runtime lines are cut (the runtime object is the
# only difference allowed).
cmp -s <(grep -v -e '"seconds"' -e '"trials_per_second"' -e '"threads"' -e '"ranks"' "$out/plain.json") \
       <(grep -v -e '"seconds"' -e '"trials_per_second"' -e '"threads"' -e '"ranks"' "$out/mpi.json") \
  || { echo "the files differ beyond the runtime fields"; exit 1; }
echo ok
