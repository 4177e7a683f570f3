#!/bin/sh
# default-run.sh BIN BUILD — the job behind `make run`: a short evolution of
# the XNOR amplitude experiment (MAP-Elites, 1000 evaluations, well under a
# minute on two cores), ending with the hand-selected versus evolved table.
# Results go to a new time-stamped folder under out/, so nothing earlier is
# ever replaced.
set -e
BIN=$1
"$BIN" info
echo
OUT=out/xnor-amplitude-$(date +%Y%m%d-%H%M%S)
"$BIN" evolve configs/xnor-amplitude.xml --out "$OUT" --max-evals 1000
