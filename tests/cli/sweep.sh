#!/usr/bin/env bash
# revsim sweep: a 3 x 2 grid gives a header and 6 rows of equal width; the grid's columns come
# first, in --grid order, and a bad grid is refused with exit 2.
set -u
bin="$1"; scenario="$2"
out="$("$bin" sweep "$scenario" --grid channels.government.p_win=0.1:0.5:0.2 \
       --grid channels.government.turnkey_p=0.2,0.9 --trials 300 2>/dev/null)" || { echo "sweep failed"; exit 1; }
lines=$(wc -l <<<"$out")
[ "$lines" = 7 ] || { echo "expected 7 lines, got $lines"; echo "$out"; exit 1; }
head -1 <<<"$out" | grep -q '^channels.government.p_win,channels.government.turnkey_p,2023_mean,' || { echo "bad header"; exit 1; }
widths=$(awk -F, '{print NF}' <<<"$out" | sort -u | wc -l)
[ "$widths" = 1 ] || { echo "rows of different widths"; exit 1; }
sed -n 2,7p <<<"$out" | cut -d, -f1,2 | tr '\n' ' ' | grep -q '^0.1,0.2 0.1,0.9 0.3,0.2 0.3,0.9 0.5,0.2 0.5,0.9 $' \
  || { echo "grid points out of order"; exit 1; }
msg="$("$bin" sweep "$scenario" --grid channels.government.p_win=0.1:2:0.5 --trials 100 2>&1)"; rc=$?
[ "$rc" = 2 ] && grep -q "is not a probability" <<<"$msg" || { echo "bad grid accepted (exit $rc): $msg"; exit 1; }
echo ok
