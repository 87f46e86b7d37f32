#!/usr/bin/env bash
# refused.sh BIN SCENARIOS LIST: every line "EXIT|MESSAGE|ARGS" of LIST must exit with EXIT, print
# exactly MESSAGE as the first line of stderr, nothing on stdout, and write nothing.
set -u
bin="$1"; scenarios="$2"; list="$3"
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
cp "$scenarios/turnkey-builder.yaml" s.yaml
cp "$scenarios/isv-first.yaml" b.yaml
ln -s s.yaml link.yaml
before="$(ls -l --time-style=+%s.%N; sha256sum s.yaml b.yaml)"
failed=0; n=0
while IFS='|' read -r code message args; do
  case "$code" in ''|'#'*) continue ;; esac
  n=$((n + 1))
  read -r -a argv <<<"$args"
  "$bin" "${argv[@]}" > out.stdout 2> err.stderr < /dev/null
  got=$?
  first="$(head -n 1 err.stderr)"
  problem=""
  [ "$got" = "$code" ] || problem="exit $got, expected $code"
  [ "$first" = "$message" ] || problem="${problem:+$problem; }stderr: '$first'"
  [ -s out.stdout ] && problem="${problem:+$problem; }stdout not empty"
  rm -f out.stdout err.stderr
  after="$(ls -l --time-style=+%s.%N; sha256sum s.yaml b.yaml)"
  [ "$after" = "$before" ] || problem="${problem:+$problem; }the directory changed: $(ls)"
  if [ -n "$problem" ]; then
    echo "FAIL: revsim $args"
    echo "      expected: $message"
    echo "      $problem"
    failed=$((failed + 1))
    # Put the directory back for the next case.
    find . -mindepth 1 -maxdepth 1 ! -name s.yaml ! -name b.yaml ! -name link.yaml -exec rm -rf {} +
    cp "$scenarios/turnkey-builder.yaml" s.yaml; cp "$scenarios/isv-first.yaml" b.yaml
    before="$(ls -l --time-style=+%s.%N; sha256sum s.yaml b.yaml)"
  fi
done < "$list"
echo "$((n - failed)) of $n refused combinations refused as expected"
[ "$failed" = 0 ] && [ "$n" -gt 0 ]
