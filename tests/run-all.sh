#!/bin/sh
# run-all.sh — runs every cmocka test program given on the command line (the
# build/tests/test_* binaries; other programs in tests/ are tools driven by
# the check_*.sh scripts), then every tests/check_*.sh script, and prints one
# closing line "N passed, N failed".
# Environment: HYDRORES (the CLI binary), BUILD (the build folder).
pass=0; fail=0; failed=""
for t in "$@"; do
    case "$(basename "$t")" in test_*) ;; *) continue ;; esac
    echo "== $t"
    if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $t"; fi
done
for s in tests/check_*.sh; do
    [ -f "$s" ] || continue
    echo "== $s"
    if sh "$s"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $s"; fi
done
echo
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
