#!/usr/bin/env bash
# outputs.sh BIN SCENARIOS CASE: what revsim does when its output cannot be written, and the
# messages around outputs. One CASE per CTest test:
#   stdout_full  standard output on a full file system: exit 1 and a message (no silent truncation)
#   output_full  -o on a full file system: exit 1, a message, no file and no temporary left
#   sigpipe      a reader that goes away (| head) ends revsim quietly: exit 141, nothing on stderr
#   quiet        -q silences "revsim: wrote ..."
#   report_tty   report without -o refuses to put HTML on a terminal; through a pipe it writes it
#   compare_help_plural compare --help says two or more scenarios, not "x 2"
# A full file system is a 8 KiB tmpfs when this machine lets us mount one (root), else /dev/full;
# /dev/full is tested as well in either case.
set -u
bin="$1"; scenarios="$2"; case_="$3"
dir="$(mktemp -d)"
mnt=""
cleanup() { [ -n "$mnt" ] && umount "$mnt" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL ($case_): $*"; exit 1; }
s="$scenarios/turnkey-builder.yaml"
enospc="No space left on device"

# A full file system: an 8 KiB tmpfs (a 14 KB JSON does not fit), else none.
full_fs() {
  mkdir -p "$dir/full"
  if mount -t tmpfs -o size=8k revsim-full "$dir/full" 2>/dev/null; then
    mnt="$dir/full"; echo "using an 8 KiB tmpfs at $mnt"
  else
    echo "cannot mount a tmpfs here (not root?): /dev/full only"
  fi
}

case "$case_" in
stdout_full)
  full_fs
  targets=(/dev/full); [ -n "$mnt" ] && targets+=("$mnt/r.json")
  for t in "${targets[@]}"; do
    "$bin" run "$s" --trials 300 --format json > "$t" 2> "$dir/err"; rc=$?
    [ "$rc" = 1 ] || fail "stdout to $t: exit $rc, expected 1"
    grep -qx "revsim: cannot write standard output: $enospc" "$dir/err" || fail "stdout to $t: stderr: $(cat "$dir/err")"
  done
  if [ -n "$mnt" ]; then  # the part that fitted is there, but the exit code says it is not all
    [ "$(stat -c %s "$mnt/r.json")" -lt 14000 ] || fail "r.json is not truncated?"
  fi
  "$bin" --help > /dev/full 2> "$dir/err"; rc=$?
  [ "$rc" = 1 ] || fail "--help to /dev/full: exit $rc, expected 1"
  grep -qx "revsim: cannot write standard output: $enospc" "$dir/err" || fail "--help: stderr: $(cat "$dir/err")"
  "$bin" validate "$s" > /dev/full 2> "$dir/err"; rc=$?
  [ "$rc" = 1 ] || fail "validate to /dev/full: exit $rc, expected 1"
  ;;
output_full)
  full_fs
  "$bin" run "$s" --trials 300 --format json -o /dev/full 2> "$dir/err"; rc=$?
  [ "$rc" = 1 ] || fail "-o /dev/full: exit $rc, expected 1"
  grep -q "cannot write /dev/full: $enospc" "$dir/err" || fail "-o /dev/full: stderr: $(cat "$dir/err")"
  grep -q "wrote" "$dir/err" && fail "-o /dev/full claims it wrote"
  [ -c /dev/full ] || fail "/dev/full is no longer a device"
  "$bin" run "$s" --trials 300 --format json -o /dev/null 2> "$dir/err" || fail "-o /dev/null failed: $(cat "$dir/err")"
  if [ -n "$mnt" ]; then
    "$bin" run "$s" --trials 300 --format json -o "$mnt/r.json" 2> "$dir/err"; rc=$?
    [ "$rc" = 1 ] || fail "-o on a full tmpfs: exit $rc, expected 1"
    grep -q "cannot write $mnt/r.json: $enospc" "$dir/err" || fail "-o on a full tmpfs: stderr: $(cat "$dir/err")"
    [ -z "$(ls -A "$mnt")" ] || fail "left behind on the tmpfs: $(ls -A "$mnt")"
    "$bin" report "$s" --trials 300 -o "$mnt/r.html" 2> "$dir/err"; rc=$?
    [ "$rc" = 1 ] || fail "report -o on a full tmpfs: exit $rc, expected 1"
    [ -z "$(ls -A "$mnt")" ] || fail "left behind on the tmpfs: $(ls -A "$mnt")"
  fi
  ;;
sigpipe)
  # 400 grid points: about 128 KB of CSV, twice what a pipe holds, so the writes outlive head
  # (5 trials a point: the sweep's size matters here, not its precision).
  for how in "" "env --ignore-signal=PIPE"; do
    # shellcheck disable=SC2086
    first="$($how "$bin" sweep "$s" --grid channels.government.p_win=0.001:0.4:0.001 --trials 5 2> "$dir/err" | head -c 30; echo " rc=${PIPESTATUS[0]}")"
    [ "${first#channels.government.p_win,2023}" != "$first" ] || fail "${how:-default SIGPIPE}: head read '$first'"
    [ "${first##* }" = "rc=141" ] || fail "${how:-default SIGPIPE}: ${first##* }, expected rc=141 (a quiet end)"
    [ -s "$dir/err" ] && fail "${how:-default SIGPIPE}: stderr: $(cat "$dir/err")"
  done
  echo "ok: exit 141, stderr empty, with SIGPIPE default and ignored"
  ;;
quiet)
  "$bin" run "$s" --trials 200 -o "$dir/r.json" --html "$dir/r.html" --samples "$dir/r.csv" 2> "$dir/err" || fail "run failed"
  [ "$(grep -c '^revsim: wrote' "$dir/err")" = 3 ] || fail "expected three 'wrote' lines: $(cat "$dir/err")"
  rm -f "$dir"/r.*
  "$bin" -q run "$s" --trials 200 -o "$dir/r.json" --html "$dir/r.html" --samples "$dir/r.csv" 2> "$dir/err" || fail "run -q failed"
  [ -s "$dir/err" ] && fail "-q printed: $(cat "$dir/err")"
  "$bin" report "$s" --trials 200 -o "$dir/r2.html" --quiet 2> "$dir/err" || fail "report --quiet failed"
  [ -s "$dir/err" ] && fail "report --quiet printed: $(cat "$dir/err")"
  [ -s "$dir/r.json" ] && [ -s "$dir/r.html" ] && [ -s "$dir/r.csv" ] && [ -s "$dir/r2.html" ] || fail "a file is missing"
  ;;
report_tty)
  script -qec "$bin report $s --trials 200; echo rc=\$?" /dev/null < /dev/null > "$dir/tty.txt" 2>&1
  grep -q "revsim: report writes an HTML file: give -o FILE.html (standard output is a terminal)" "$dir/tty.txt" ||
    fail "no refusal on a terminal: $(head -c 300 "$dir/tty.txt")"
  grep -q "rc=2" "$dir/tty.txt" || fail "exit code on a terminal: $(cat "$dir/tty.txt")"
  grep -q "DOCTYPE" "$dir/tty.txt" && fail "HTML on the terminal"
  [ "$("$bin" report "$s" --trials 200 2>/dev/null | head -c 15)" = "<!DOCTYPE html>" ] || fail "no HTML through a pipe"
  ;;
compare_help_plural)
  help="$("$bin" compare --help)" || fail "compare --help failed"
  grep -q "scenarios FILE \.\.\. REQUIRED" <<<"$help" || fail "no 'FILE ...': $help"
  grep -q "Two or more scenario" <<<"$help" || fail "does not say two or more"
  grep -q " x 2" <<<"$help" && fail "still says x 2"
  ;;
*) fail "unknown case" ;;
esac
echo "ok: $case_"
