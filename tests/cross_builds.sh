#!/bin/sh
# cross_builds.sh A B [C ...] — the builds compute the same bits: every
# given hydrores binary runs the same experiments, and their results are
# compared byte for byte; an evolution checkpointed by the first binary and
# resumed by each of the others ends with the archive of an uninterrupted run.
# Run by .ci/run with the normal, sanitizer and portable builds.
set -eu
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
first=$1
i=0
fail=0
for h in "$@"; do
    i=$((i + 1))
    for c in xnor-amplitude regression-digits tank-xnor; do
        "$h" run "configs/$c.xml" --out "$T/$i-$c" --quiet --no-plots >/dev/null
    done
done
for j in $(seq 2 $i); do
    for c in xnor-amplitude regression-digits tank-xnor; do
        for f in metrics.csv readout.csv traces.csv; do
            if cmp -s "$T/1-$c/$f" "$T/$j-$c/$f"; then
                echo "  ok   $c/$f: build 1 = build $j"
            else
                echo "  FAIL $c/$f differs between $1 and build $j"
                fail=1
            fi
        done
    done
done
# The small evolution of tests/small_evolution.sh: stopped after its random
# phase and two batches (200 evaluations), resumed to $N.
. tests/small_evolution.sh
E="$SMALL --seed 4 --quiet --no-plots"
"$first" evolve configs/xnor-amplitude.xml --out "$T/whole" $E --max-evals $N >/dev/null
i=0
for h in "$@"; do
    i=$((i + 1))
    [ "$i" -eq 1 ] && continue
    "$first" evolve configs/xnor-amplitude.xml --out "$T/part$i" $E --max-evals 200 >/dev/null
    "$h" evolve --resume "$T/part$i" --max-evals $N --quiet --no-plots >/dev/null
    if cmp -s "$T/whole/archive.csv" "$T/part$i/archive.csv"; then
        echo "  ok   checkpoint of build 1 resumed by build $i: the uninterrupted archive"
    else
        echo "  FAIL checkpoint of build 1 resumed by build $i ends with another archive"
        fail=1
    fi
done
exit $fail
