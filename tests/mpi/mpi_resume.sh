#!/usr/bin/env bash
# Under MPI the checkpoint still allows a resume (issue 16): `mpirun -n N revsim run --checkpoint`
# killed with SIGKILL once a checkpoint exists, resumed with `mpirun -n N ... --resume`, writes
# the plain one-process run's JSON byte for byte (runtime aside). Before the fix, rank 0's first
# checkpoint asked the output gate (a collective the other ranks were not in) and the run hung.
set -u
mpiexec="$1"; bin="$2"; scenarios="$3"; work="$4"; n="$5"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun=("$mpiexec" --oversubscribe --mca btl self,vader,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo -n "$n")
dir="$(mktemp -d "$work/mpi_resume.XXXXXX")"; trap 'pkill -KILL -f "^$bin run .*$dir" 2>/dev/null; rm -rf "$dir"' EXIT
s="$scenarios/example.yaml"
args=(run "$s" --trials 200000 --seed 11 --threads 1 --format json -q)
"$bin" "${args[@]}" -o "$dir/plain.json" || { echo "plain run failed"; exit 1; }
"${mpirun[@]}" "$bin" "${args[@]}" --checkpoint "$dir/run.ckpt" --checkpoint-every 0.2 -o "$dir/out.json" \
  >"$dir/first.log" 2>&1 &
mpirun_pid=$!
for _ in $(seq 600); do [ -f "$dir/run.ckpt" ] && break; sleep 0.1; done
[ -f "$dir/run.ckpt" ] || { echo "no checkpoint within 60 s"; cat "$dir/first.log"; exit 1; }
pkill -KILL -f "^$bin run .*$dir" ; wait "$mpirun_pid" 2>/dev/null
if [ -f "$dir/out.json" ]; then echo "the run finished before it was killed (use more trials)"; exit 1; fi
"${mpirun[@]}" "$bin" "${args[@]}" --resume "$dir/run.ckpt" -o "$dir/out.json" 2>"$dir/resume.log" \
  || { echo "resume failed"; cat "$dir/resume.log"; exit 1; }
grep -q "resumed from" "$dir/resume.log" || { echo "no 'resumed from' message"; cat "$dir/resume.log"; exit 1; }
/usr/bin/python3 - "$dir/plain.json" "$dir/out.json" <<'PY' || exit 1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b): d.pop("runtime", None)
if json.dumps(a, sort_keys=True) != json.dumps(b, sort_keys=True):
    sys.exit("resumed MPI run differs from the plain run")
PY
echo "mpi resume ($n ranks): ok ($(grep -o 'resumed from [^,]*at [0-9]* of [0-9]* trials' "$dir/resume.log"))"
