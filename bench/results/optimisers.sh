#!/bin/sh
# optimisers.sh — the README's optimiser comparison (issue 14), run from the
# repository's top folder:
#
#   bench/results/optimisers.sh [EVALS] [SEEDS] [THREADS]
#
# 1. Per experiment (configs/xnor-amplitude.xml, xnor-frequency.xml,
#    regression-digits.xml, tank-xnor.xml): the GA, MAP-Elites and CMA-ES on
#    every gene, EVALS evaluations (default 1000) from SEEDS seeds (default
#    5), fitness log|det X|; per run the best genome's log|det X| and its
#    held-out score (summary.csv's evolved column: the trained readout).
# 2. Readout design with the encoder genes fixed at their hand-selected
#    values: `hydrores design --method all` (greedy, exchange from 10 starts,
#    parallel tempering, exhaustive where it is small enough), against the GA
#    and CMA-ES evolving the readout-time genes alone (EVALS/2 evaluations):
#    the log|det X| reached, and the evaluations the evolution needed to
#    come within 0.01 of the design's log|det X| (1% of |det X|;
#    generations.csv's best_ever).
# 3. NSGA-II on the digits regression with objectives log|det X| and the
#    held-out score (minus the NRMSE): 5 seeds x EVALS evaluations
#    (population 40); the non-dominated interfaces of each run.
#
# Writes bench/results/optimisers.csv (one row per run), optimisers-front.csv
# (the NSGA-II fronts) and optimisers.md (the tables, median [min, max] over
# the seeds). Every run's folder is kept under $WORK (default
# /tmp/hr-optimisers) for inspection. PARTS (default "all design nsga2")
# reruns only some parts, keeping the other parts' rows of optimisers.csv.
set -eu
H=${HYDRORES:-build/hydrores}
E=${1:-1000}
NS=${2:-5}
TH=${3:-2}
W=${WORK:-/tmp/hr-optimisers}
R=bench/results
mkdir -p "$W"
CSV=$R/optimisers.csv
FRONT=$R/optimisers-front.csv
PARTS=${PARTS:-all design nsga2}
has() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
HEADER="experiment,part,method,seed,evaluations,logdet,score_name,score,evals_to_design,simulations,seconds"
# Keep the rows of the parts not rerun (part "times" goes with "design").
if [ -f "$CSV" ] && [ "$(head -1 "$CSV")" = "$HEADER" ]; then
    awk -F, -v parts=" $PARTS " 'NR > 1 { p = $2 == "times" ? "design" : $2 == "nsga2" ? "nsga2" : $2;
        if (index(parts, " " p " ") == 0) print }' "$CSV" >"$W/kept.csv"
else
    : >"$W/kept.csv"
fi
{ echo "$HEADER"; cat "$W/kept.csv"; } >"$CSV"
has nsga2 && echo "seed,index,logdet,score,nrmse" >"$FRONT"

# variant SRC DST EVOLVE_XML [FITNESS_XML] [times-only]: SRC with its
# <evolve> replaced, optionally its <fitness>, optionally only the genes that
# set readout times (the others keep their configured values).
variant() {
    python3 - "$@" <<'EOF'
import re, sys
src, dst, evo = sys.argv[1:4]
fit = sys.argv[4] if len(sys.argv) > 4 else ""
times_only = len(sys.argv) > 5 and sys.argv[5] == "times-only"
s = open(src).read()
s = re.sub(r'<evolve kind=.*?</evolve>', evo, s, flags=re.S)
if fit:
    s = re.sub(r'<fitness kind="[^"]*"\s*/>', fit, s)
if times_only:
    s = "\n".join(l for l in s.split("\n")
                  if "<gene " not in l or 'target="readout.t' in l)
open(dst, "w").write(s)
EOF
}

GA='<evolve kind="ga"><population>40</population><tournament>3</tournament><elites>2</elites><alpha>0.5</alpha><mutation>0.2</mutation><sigma>0.1</sigma></evolve>'
CMA='<evolve kind="cmaes"><sigma>0.3</sigma></evolve>'

# field NAME COLUMN FILE: the value of row NAME of a name,... CSV.
field() { awk -F, -v n="$1" -v c="$2" '$1 == n { print $c }' "$3"; }

run_evolve() { # experiment part method seed config evals
    d="$W/$1-$2-$3-$4"
    rm -rf "$d"
    t0=$(date +%s.%N)
    $H evolve "$5" --out "$d" --seed "$4" --max-evals "$6" --threads "$TH" --quiet >"$d.log" 2>&1 ||
        { echo "failed: $1 $2 $3 $4"; cat "$d.log"; exit 1; }
    t1=$(date +%s.%N)
    ev=$(tail -1 "$d/generations.csv" | cut -d, -f2)
    ld=$(field logdet 3 "$d/summary.csv")
    sn=$(awk -F, 'NR == 5 { print $1 }' "$d/summary.csv")
    sc=$(awk -F, 'NR == 5 { print $3 }' "$d/summary.csv")
    reach=""
    if [ -n "${DESIGN_VALUE:-}" ]; then
        reach=$(awk -F, -v v="$DESIGN_VALUE" 'NR > 1 && $7 >= v - 0.01 { print $2; exit }' "$d/generations.csv")
    fi
    echo "$1,$2,$3,$4,$ev,$ld,$sn,$sc,$reach,,$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')" >>"$CSV"
}

for x in xnor-amplitude xnor-frequency regression-digits tank-xnor; do
    C=configs/$x.xml
    echo "== $x"
    variant "$C" "$W/$x-ga.xml" "$GA"
    variant "$C" "$W/$x-cmaes.xml" "$CMA"
    has all && for s in $(seq 1 "$NS"); do
        run_evolve "$x" all ga "$s" "$W/$x-ga.xml" "$E"
        run_evolve "$x" all cmaes "$s" "$W/$x-cmaes.xml" "$E"
        # MAP-Elites as the reference ran it: the config's own section
        # (descriptors, grid), 400 random genomes first, sigma 0.1.
        sed 's|<random>[0-9]*</random>|<random>400</random>|' "$C" >"$W/$x-me.xml"
        run_evolve "$x" all map-elites "$s" "$W/$x-me.xml" "$E"
    done

    has design || continue
    # Readout design, encoder genes fixed.
    d="$W/$x-design"
    rm -rf "$d"
    $H design "$C" --out "$d" --method all --max-subsets "${MAXSUB:-7e7}" --quiet >"$d.log" 2>&1 ||
        { echo "design failed: $x"; cat "$d.log"; exit 1; }
    sims=$(field design_simulations 2 "$d/metrics.csv")
    sn=$(awk -F, 'NR > 1 && ($1 ~ /accuracy|nrmse/) && $1 !~ /_train/ { print $1 }' "$d/metrics.csv")
    sc=$(field "$sn" 2 "$d/metrics.csv")
    awk -F, -v x="$x" -v sims="$sims" -v sn="$sn" -v sc="$sc" 'NR > 1 && $2 == "ok" {
        printf "%s,design,%s,,%s,%s,%s,%s,,%s,%s\n", x, $1, $5, $4, sn, sc, sims, $7 }' "$d/design.csv" >>"$CSV"
    DESIGN_VALUE=$(awk -F, '$1 == "exchange" { print $4 }' "$d/design.csv")
    variant "$C" "$W/$x-t-ga.xml" "$GA" "" times-only
    variant "$C" "$W/$x-t-cmaes.xml" "$CMA" "" times-only
    for s in $(seq 1 "$NS"); do
        run_evolve "$x" times ga "$s" "$W/$x-t-ga.xml" $((E / 2))
        run_evolve "$x" times cmaes "$s" "$W/$x-t-cmaes.xml" $((E / 2))
    done
    DESIGN_VALUE=
done

# NSGA-II on the digits regression: log|det X| and the held-out score.
has nsga2 && echo "== nsga2 regression-digits" && variant configs/regression-digits.xml "$W/digits-nsga2.xml" \
    '<evolve kind="nsga2"><population>40</population></evolve>' \
    '<fitness kind="multi"><objectives>logdet score</objectives></fitness>'
has nsga2 && for s in $(seq 1 "$NS"); do
    run_evolve regression-digits nsga2 nsga2 "$s" "$W/digits-nsga2.xml" "$E"
    awk -F, -v s="$s" 'NR > 1 && $1 == 0 { printf "%s,%s,%s,%s,%s\n", s, $3, $4, $5, -$5 }' \
        "$W/regression-digits-nsga2-nsga2-$s/archive.csv" >>"$FRONT"
done

python3 - "$CSV" "$FRONT" "$E" "$NS" >"$R/optimisers.md" <<'EOF'
import csv, math, sys, statistics as st
rows = list(csv.DictReader(open(sys.argv[1])))
front = list(csv.DictReader(open(sys.argv[2])))
E, NS = sys.argv[3], sys.argv[4]
def num(v):
    try: return float(v)
    except ValueError: return math.nan
def mmr(vals, f="%.3g"):
    vals = [v for v in vals if not math.isnan(v)]
    if not vals: return "-"
    return (f + " [" + f + ", " + f + "]") % (st.median(vals), min(vals), max(vals))
exps = []
for r in rows:
    if r["experiment"] not in exps: exps.append(r["experiment"])
print("Evolution of every gene, %s evaluations per run, %s seeds: median [min, max]." % (E, NS))
print()
print("| experiment | method | evaluations | best log\\|det X\\| | held-out score |")
print("|---|---|---|---|---|")
for x in exps:
    for m in ("ga", "map-elites", "cmaes"):
        rs = [r for r in rows if r["experiment"] == x and r["part"] == "all" and r["method"] == m]
        if not rs: continue
        print("| %s | %s | %s | %s | %s %s |" % (x, m, mmr([num(r["evaluations"]) for r in rs], "%.0f"),
              mmr([num(r["logdet"]) for r in rs]), rs[0]["score_name"], mmr([num(r["score"]) for r in rs])))
print()
print("Readout times only (encoder genes at their hand-selected values): the design")
print("(one simulation of each training row, then determinant evaluations only) against")
print("the GA and CMA-ES evolving the time genes (%s evaluations, median [min, max];" % (int(E) // 2))
print("'to reach' counts the evaluations until the evolution came within 0.01 of the design's")
print("log|det X|, in how many of the runs; seconds are wall seconds on 2 shared cores: the")
print("design's the method's own, after one simulation pass).")
print()
print("| experiment | method | log\\|det X\\| | held-out score | evaluations | to reach the design | seconds |")
print("|---|---|---|---|---|---|---|")
for x in exps:
    for r in [r for r in rows if r["experiment"] == x and r["part"] == "design"]:
        print("| %s | design: %s | %.4g | %s %.3g | %s determinants (%s simulations) | | %.3g |" % (x, r["method"],
              num(r["logdet"]), r["score_name"], num(r["score"]), r["evaluations"], r["simulations"],
              num(r["seconds"])))
    for m in ("ga", "cmaes"):
        rs = [r for r in rows if r["experiment"] == x and r["part"] == "times" and r["method"] == m]
        if not rs: continue
        reach = [num(r["evals_to_design"]) for r in rs if r["evals_to_design"]]
        print("| %s | evolve times: %s | %s | %s %s | %s | %s (%d of %d) | %s |" % (x, m,
              mmr([num(r["logdet"]) for r in rs], "%.4g"), rs[0]["score_name"],
              mmr([num(r["score"]) for r in rs]), mmr([num(r["evaluations"]) for r in rs], "%.0f"),
              mmr(reach, "%.0f") if reach else "never", len(reach), len(rs),
              mmr([num(r["seconds"]) for r in rs])))
print()
ns = [r for r in rows if r["method"] == "nsga2"]
if ns:
    print("NSGA-II on regression-digits, objectives log|det X| and minus the held-out NRMSE,")
    print("population 40, %s evaluations, %s seeds: the non-dominated interfaces of each run." % (E, NS))
    print()
    print("| seed | front size | log\\|det X\\| range | NRMSE range | lowest NRMSE (its log\\|det X\\|) | NRMSE < 1 |")
    print("|---|---|---|---|---|---|")
    for s in sorted({f["seed"] for f in front}, key=int):
        fs = [f for f in front if f["seed"] == s]
        ld = [num(f["logdet"]) for f in fs]; nr = [num(f["nrmse"]) for f in fs]
        i = nr.index(min(nr))
        print("| %s | %d | %.3g .. %.3g | %.3g .. %.3g | %.3g (%.3g) | %d |" % (s, len(fs), min(ld), max(ld),
              min(nr), max(nr), nr[i], ld[i], sum(1 for v in nr if v < 1)))
EOF
cat "$R/optimisers.md"
