#!/bin/sh
# check_plot.sh — `hydrores plot` on the command line: figures of the fixture
# folders in each format and size, the tank movie, the snapshot pictures of
# `simulate`, and bad input (exit 2, one line "FILE:LINE: ... (allowed: ...)").
set -u
H=${HYDRORES:-build/hydrores}
F=tests/fixtures/plot
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fail=1; }

expect_error() {
    name=$1; pat=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"; rc=$?
    lines=$(wc -l <"$T/err")
    if [ "$rc" -ne 2 ]; then bad "$name: exit $rc, expected 2"; cat "$T/err"; return; fi
    if [ "$lines" -ne 1 ]; then bad "$name: $lines lines on stderr, expected 1"; cat "$T/err"; return; fi
    if ! grep -Eq -- "$pat" "$T/err"; then bad "$name: message does not match '$pat':"; cat "$T/err"; return; fi
    ok "$name: $(cat "$T/err")"
}

# png_size FILE: "W H" from the IHDR chunk.
png_size() {
    od -An -tu1 -j16 -N8 "$1" | awk '{ print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'
}

$H plot --help >/dev/null && ok "--help" || bad "--help"
expect_error "no folder" "missing DIR" $H plot
expect_error "bad format" "--format jpeg \(allowed: png, svg, pdf\)" $H plot $F/evolve --format jpeg
expect_error "bad width" "--width '5furlongs' is not a valid length \(allowed:" $H plot $F/evolve --width 5furlongs
expect_error "bad dpi" "--dpi 0: not a valid value \(allowed: 10 .. 1200\)" $H plot $F/evolve --dpi 0
expect_error "not a folder" "^$T/none: not a folder" $H plot "$T/none"
mkdir "$T/empty"
expect_error "nothing to plot" "^$T/empty: nothing to plot \(allowed:" $H plot "$T/empty"
cp -r $F/evolve "$T/bad"
sed '3s/^\([0-9]*\),\([0-9]*\),\([0-9]*\),[^,]*,/\1,\2,\3,abc,/' $F/evolve/generations.csv >"$T/bad/generations.csv"
expect_error "malformed CSV" "^$T/bad/generations.csv:3: column 'best': 'abc' is not a number" $H plot "$T/bad" --out "$T/o"
rm "$T/bad/config.xml"
expect_error "missing config" "^$T/bad/config.xml: cannot open" $H plot "$T/bad" --out "$T/o"
expect_error "movie without runs" "--movie: evolve holds no runs" $H plot $F/evolve --movie --out "$T/o"

# Every kind, every format.
for kind in run simulate stream evolve compare; do
    for fmt in png svg pdf; do
        if ! $H plot $F/$kind --out "$T/$kind-$fmt" --format $fmt -q 2>"$T/err"; then
            bad "$kind $fmt: $(cat "$T/err")"; continue
        fi
        n=$(ls "$T/$kind-$fmt" | grep -c "\.$fmt$")
        [ "$n" -ge 2 ] && ok "$kind $fmt: $n figures" || bad "$kind $fmt: $n figures"
    done
done
$H plot $F/evolve --out "$T/sized" --width 800px --height 600px --dpi 100 -q
[ "$(png_size "$T/sized/fitness.png")" = "800 600" ] && ok "--width 800px --height 600px: 800 x 600 pixels" \
    || bad "sized PNG is $(png_size "$T/sized/fitness.png")"
$H plot $F/evolve --out "$T/sized2" --width 10cm --height 5cm --dpi 254 -q
[ "$(png_size "$T/sized2/archive.png")" = "1000 500" ] && ok "--width 10cm --dpi 254: 1000 x 500 pixels" \
    || bad "10 cm PNG is $(png_size "$T/sized2/archive.png")"
$H plot $F/run --out "$T/pdf" --format pdf --width 4 --height 3 -q
grep -aq "/MediaBox \[ 0 0 288 216 \]" "$T/pdf/traces.pdf" && ok "PDF MediaBox 288 x 216 pt" || bad "PDF MediaBox"

# The movie.
if $H plot $F/simulate --out "$T/movie" --movie --frames 6 --movie-run 2 -q 2>"$T/err" &&
   [ "$(head -c 6 "$T/movie/movie.gif")" = "GIF89a" ]; then ok "movie.gif"; else bad "movie: $(cat "$T/err")"; fi
expect_error "movie of a KdV run" "--movie: substrate kind 'kdv' has no surface" $H plot $F/run --movie --out "$T/m2"

# simulate's snapshot pictures come from the plot layer.
if $H simulate $F/simulate/config.xml --out "$T/sim" >/dev/null 2>"$T/err" &&
   [ "$(png_size "$T/sim/snapshot_run3.png")" = "640 400" ]; then ok "simulate: snapshot_run3.png 640 x 400"
else bad "simulate snapshots: $(cat "$T/err")"; fi

# record and design draw their figures by default; plot redraws them.
if $H record tests/tank/tiny.xml --out "$T/rec" >/dev/null 2>"$T/err" && [ -s "$T/rec/traces.png" ] &&
   $H plot "$T/rec" --out "$T/rec2" -q 2>"$T/err" && [ "$(png_size "$T/rec2/traces.png" | cut -d" " -f1)" = 640 ]
then ok "record: traces.png of the recording, and plot redraws it"; else bad "record figures: $(cat "$T/err")"; fi
$H record tests/tank/tiny.xml --out "$T/recn" --no-plots >/dev/null 2>&1
[ -s "$T/recn/recording.h5" ] && ! ls "$T/recn" | grep -q png && ok "record --no-plots: no figures" || bad "record --no-plots"
if $H design configs/xnor-amplitude.xml --out "$T/des" --method all --sweeps 5 -q 2>"$T/err" && [ -s "$T/des/design.png" ] &&
   $H plot "$T/des" --out "$T/des2" --format svg -q 2>"$T/err" && grep -q "<svg" "$T/des2/design.svg"
then ok "design: design.png, and plot redraws it (svg)"; else bad "design figures: $(cat "$T/err")"; fi
$H design configs/xnor-amplitude.xml --out "$T/desn" --no-plots -q >/dev/null 2>&1
[ -s "$T/desn/design.csv" ] && ! ls "$T/desn" | grep -q png && ok "design --no-plots: no figures" || bad "design --no-plots"
cp -r "$T/des" "$T/desbad"
sed '2s/,\([0-9.]*\) \([0-9.]*\) /,\1 x\2 /' "$T/des/design.csv" >"$T/desbad/design.csv"
expect_error "design.csv with a bad time" "^$T/desbad/design.csv:2: times '.*' \(allowed: numbers separated by spaces\)" \
    $H plot "$T/desbad" --out "$T/o"
cp -r "$T/recn" "$T/recbad"
head -c 3000 "$T/recn/recording.h5" >"$T/recbad/recording.h5"
expect_error "a truncated recording" "recording.h5" $H plot "$T/recbad" --out "$T/o"

exit $fail
