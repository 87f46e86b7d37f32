#!/usr/bin/env bash
# expect.sh CODE REGEX CMD...: run CMD; pass when it exits with CODE and its stdout+stderr
# match the extended regular expression REGEX.
set -u
want="$1"; regex="$2"; shift 2
out="$("$@" 2>&1)"; got=$?
if [ "$got" != "$want" ]; then
  printf 'exit code %s, expected %s\n--- output ---\n%s\n' "$got" "$want" "$out"; exit 1
fi
if ! grep -Eq -- "$regex" <<<"$out"; then
  printf 'output does not match /%s/\n--- output ---\n%s\n' "$regex" "$out"; exit 1
fi
echo "ok: exit $got, output matches /$regex/"
