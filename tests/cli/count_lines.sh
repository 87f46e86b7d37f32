#!/usr/bin/env bash
# count_lines.sh CODE REGEX N CMD...: run CMD; pass when it exits with CODE and exactly N lines of
# its stdout+stderr match the extended regular expression REGEX (a warning said once, not per
# rank or per point).
set -u
want="$1"; regex="$2"; n="$3"; shift 3
out="$("$@" 2>&1)"; got=$?
if [ "$got" != "$want" ]; then
  printf 'exit code %s, expected %s\n--- output ---\n%s\n' "$got" "$want" "$out"; exit 1
fi
count="$(grep -Ec -- "$regex" <<<"$out")"
if [ "$count" != "$n" ]; then
  printf '%s lines match /%s/, expected %s\n--- output ---\n%s\n' "$count" "$regex" "$n" "$out"; exit 1
fi
echo "ok: exit $got, $count lines match /$regex/"
