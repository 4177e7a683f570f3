#!/bin/sh
# evolve-vs-hand.sh — the README's "Evolution beats hand-selected interfaces"
# table: each ready-made KdV experiment evolved from SEEDS seeds with
# MAP-Elites (400 random genomes, then mutants of uniformly chosen elites,
# sigma 0.1 on every gene, as the reference) and with the GA (population 40,
# tournament 3, BLX-0.5, Gaussian mutation, 2 elites), EVALS evaluations per
# run. Prints one Markdown row per experiment and algorithm: the
# hand-selected |det X| and score, and the evolved ones as median [min, max]
# over the seeds (from each run's summary.csv).
# Usage: bench/results/evolve-vs-hand.sh [EVALS] [SEEDS]   (HYDRORES=binary)
# About 30 minutes on 2 cores with the defaults 2000 and 5.
set -eu
H=${HYDRORES:-build/hydrores}
EVALS=${1:-2000}
SEEDS=${2:-5}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "| experiment | algorithm | hand-selected abs(det X) | evolved abs(det X) | score | hand-selected | evolved |"
echo "|---|---|---|---|---|---|---|"
for exp in xnor-amplitude xnor-frequency regression-digits; do
    for alg in map-elites ga; do
        case $alg in
        map-elites) set -- --set evolve.kind=map-elites --set evolve.random=400 --set evolve.sigma=0.1 ;;
        ga) set -- --set evolve.kind=ga --set evolve.population=40 --set evolve.tournament=3 \
                   --set evolve.alpha=0.5 --set evolve.elites=2 ;;
        esac
        for seed in $(seq 1 "$SEEDS"); do
            "$H" evolve "configs/$exp.xml" --out "$T/$exp-$alg-$seed" --quiet \
                --max-evals "$EVALS" --seed "$seed" "$@" >/dev/null 2>"$T/log" ||
                { cat "$T/log"; exit 1; }
        done
        # summary.csv: name,hand_selected,evolved; the score row follows logdet_gram.
        for seed in $(seq 1 "$SEEDS"); do
            awk -F, 'NR == 2 { hd = $2; ed = $3 } NR == 5 { sn = $1; hs = $2; es = $3 }
                     END { print hd, ed, sn, hs, es }' "$T/$exp-$alg-$seed/summary.csv"
        done | sort -g -k2 | awk -v ex="$exp" -v alg="$alg" '
            { hd = $1; d[NR] = $2; sn = $3; hs = $4; s[NR] = $5 }
            END {
                n = NR; m = (n + 1) / 2
                # scores: sort a copy
                for (i = 1; i <= n; i++) t[i] = s[i]
                for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (t[j] < t[i]) { x = t[i]; t[i] = t[j]; t[j] = x }
                med = n % 2 ? d[int(m)] : (d[n / 2] + d[n / 2 + 1]) / 2
                smed = n % 2 ? t[int(m)] : (t[n / 2] + t[n / 2 + 1]) / 2
                printf "| %s | %s | %.3g | %.3g [%.3g, %.3g] | %s | %.3g | %.3g [%.3g, %.3g] |\n",
                       ex, alg, hd, med, d[1], d[n], sn, hs, smed, t[1], t[n]
            }'
    done
done
