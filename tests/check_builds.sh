#!/bin/sh
# check_builds.sh — what keeps the normal, sanitizer and portable builds
# computing the same bits: no fused multiply-add instruction in the
# library's code (GCC's vectoriser can emit vfmaddsub for complex products
# even under -ffp-contract=off; see shallowwater/kdv_spectral.c). CI then
# runs the same experiments with every build and compares the files
# (.ci/run). Environment: BUILD (the build folder).
set -u
B=${BUILD:-build}
fail=0
n=$(objdump -d "$B/libhydrores.a" | grep -cE '\bv?f(n)?m(add|sub)(sub|add)?[0-9]{3}[ps][ds]\b')
if [ "$n" -eq 0 ]; then
    echo "  ok   no fused multiply-add instructions in $B/libhydrores.a"
else
    echo "  FAIL $n fused multiply-add instructions in $B/libhydrores.a:"
    objdump -d "$B/libhydrores.a" | grep -E '^[0-9a-f]+ <|\bv?f(n)?m(add|sub)(sub|add)?[0-9]{3}[ps][ds]\b' |
        grep -B1 -E 'fm(add|sub)' | grep '<' | head -5
    fail=1
fi
exit $fail
