#!/bin/sh
# run-all.sh — runs every cmocka test program given on the command line (the
# build/tests/test_* binaries; other programs in tests/ are tools driven by
# the check_*.sh scripts), then every tests/check_*.sh script, and prints one
# closing line "N passed, N failed", after the eight slowest suites (seconds of
# wall time, so a slow CI can be traced to a suite; never asserted on).
# Environment: HYDRORES (the CLI binary), BUILD (the build folder).
pass=0; fail=0; failed=""
times=$(mktemp) || exit 1
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" -v n="$2" 'BEGIN { printf "%7.1f s  %s\n", b - a, n }' >>"$times"; }
for t in "$@"; do
    case "$(basename "$t")" in test_*) ;; *) continue ;; esac
    echo "== $t"
    t0=$(now)
    if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $t"; fi
    took "$t0" "$t"
done
for s in tests/check_*.sh; do
    [ -f "$s" ] || continue
    echo "== $s"
    t0=$(now)
    if sh "$s"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $s"; fi
    took "$t0" "$s"
done
echo
echo "slowest suites (wall time):"
sort -rn "$times" | head -8
rm -f "$times"
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
