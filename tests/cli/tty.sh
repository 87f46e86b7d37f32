#!/usr/bin/env bash
# Colour and progress: on a terminal (a pseudo-terminal from script(1)) the table is coloured and
# a long run shows a progress line; not with --no-color / NO_COLOR / --quiet, nor through pipes.
set -eu
bin="$1"; scenarios="$2"
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
esc=$'\033'
on_tty() { script -qec "$1" /dev/null < /dev/null > "$2" 2>&1 || true; }
short="$bin run $scenarios/turnkey-builder.yaml --trials 500"

on_tty "$short" "$dir/tty.txt"
grep -q "${esc}\[36m" "$dir/tty.txt" || fail "no colour on a terminal: $(head -c 300 "$dir/tty.txt")"
grep -q '●' "$dir/tty.txt" || fail "no spread chart"
on_tty "$short --no-color" "$dir/nocolor.txt"
grep -q "${esc}\[3" "$dir/nocolor.txt" && fail "colour despite --no-color"
on_tty "env NO_COLOR=1 $short" "$dir/envnocolor.txt"
grep -q "${esc}\[3" "$dir/envnocolor.txt" && fail "colour despite NO_COLOR"
$short 2>/dev/null | cat > "$dir/pipe.txt"
grep -q "$esc" "$dir/pipe.txt" && fail "escape codes in a pipe"
grep -q '●' "$dir/pipe.txt" || fail "no spread chart in a pipe"

# Progress: a run of several seconds on one thread.
long="$bin run $scenarios/isv-first.yaml --trials 60000 --threads 1 --format json -o $dir/long.json"
on_tty "$long" "$dir/progress.txt"
grep -q 'trials/s, ETA' "$dir/progress.txt" || fail "no progress line on a terminal: $(cat "$dir/progress.txt")"
grep -q "${esc}\[K" "$dir/progress.txt" || fail "progress line not cleared"
on_tty "$long --quiet" "$dir/quiet.txt"
grep -q 'ETA' "$dir/quiet.txt" && fail "progress despite --quiet"
$long 2> "$dir/stderr.txt" | cat
grep -q 'ETA' "$dir/stderr.txt" && fail "progress when stderr is not a terminal"
echo ok
