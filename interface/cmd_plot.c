/* cmd_plot.c — `hydrores plot DIR`: the figures of a result folder. */
#include "interface/cli.h"
#include "interface/plot_folder.h"
#include "base/status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    printf("usage: hydrores plot DIR [--format png|svg|pdf] [--out DIR2] [--width W] [--height H]\n"
           "                        [--dpi D] [--movie [--movie-run K] [--frames N]] [--quiet]\n\n"
           "Draws the figures that fit the results in DIR, detected from its files:\n"
           "  evolve   (generations.csv)  fitness: best, mean and hand-selected fitness against\n"
           "                              evaluations (log axis for |det X|); archive: the\n"
           "                              MAP-Elites map over its two descriptors; genes: the\n"
           "                              best genome against each gene's range\n"
           "  run      (readout.csv)      traces: probe traces with the readout times, one panel\n"
           "                              per probe, one colour per pattern; readout: X as a\n"
           "                              heatmap; prediction: against target (regression and\n"
           "                              time-series tasks)\n"
           "  simulate (traces.csv)       traces; snapshots: the tank surfaces on one symmetric\n"
           "                              colour range, makers and probes drawn\n"
           "  compare  (compare.csv)      pareto: score against synaptic operations per step;\n"
           "                              bits, density: score along sweeps\n\n"
           "  --format F     png (default), svg or pdf\n"
           "  --out DIR2     write the figures there (default: into DIR)\n"
           "  --width W      figure width, e.g. 6.4 (inches), 16cm, 800px (default per figure)\n"
           "  --height H     figure height, same units\n"
           "  --dpi D        pixels per inch of PNGs and of the movie (default 100)\n"
           "  --movie        also movie.gif: the tank surface over one run (run or simulate\n"
           "                 folders of a tank experiment)\n"
           "  --movie-run K  which run the movie shows (default 0)\n"
           "  --frames N     frames of the movie (default 60)\n"
           "  --quiet        print nothing\n\n"
           "Bad or missing files: one line 'FILE:LINE: what is wrong (allowed: ...)', exit 2.\n");
}

static int number(const char *opt, const char *val, double lo, double hi, double *v)
{
    char *end;
    *v = val ? strtod(val, &end) : NAN;
    if (!val || end == val || *end || !(*v >= lo && *v <= hi)) {
        fprintf(stderr, "hydrores plot: %s %s: not a valid value (allowed: %g .. %g)\n", opt,
                val ? val : "", lo, hi);
        return HR_EXIT_USAGE;
    }
    return HR_EXIT_OK;
}

int hr_cmd_plot(int argc, char **argv)
{
    if (hr_cli_wants_help(argc, argv)) {
        usage();
        return HR_EXIT_OK;
    }
    hr_plot_options o = hr_plot_options_default();
    const char *dir = NULL, *width = NULL, *height = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = strcmp(a, "--format") == 0 || strcmp(a, "--out") == 0 ||
                    strcmp(a, "--width") == 0 || strcmp(a, "--height") == 0 ||
                    strcmp(a, "--dpi") == 0 || strcmp(a, "--movie-run") == 0 ||
                    strcmp(a, "--frames") == 0;
        if (takes && !val) {
            fprintf(stderr, "hydrores plot: %s needs a value\n", a);
            return HR_EXIT_USAGE;
        }
        double v;
        if (strcmp(a, "--format") == 0) {
            int f = hr_plot_format_parse(val);
            if (f < 0) {
                fprintf(stderr, "hydrores plot: --format %s (allowed: png, svg, pdf)\n", val);
                return HR_EXIT_USAGE;
            }
            o.format = (hr_plot_format)f;
        } else if (strcmp(a, "--out") == 0) {
            o.out = val;
        } else if (strcmp(a, "--width") == 0) {
            width = val;
        } else if (strcmp(a, "--height") == 0) {
            height = val;
        } else if (strcmp(a, "--dpi") == 0) {
            if (number(a, val, 10, 1200, &v))
                return HR_EXIT_USAGE;
            o.dpi = v;
        } else if (strcmp(a, "--movie-run") == 0) {
            if (number(a, val, 0, 1e6, &v) || v != floor(v))
                return v != floor(v) ? (fprintf(stderr, "hydrores plot: --movie-run %s: not a "
                                                "whole number\n", val), HR_EXIT_USAGE)
                                     : HR_EXIT_USAGE;
            o.movie_run = (int)v;
        } else if (strcmp(a, "--frames") == 0) {
            if (number(a, val, 2, 1000, &v) || v != floor(v))
                return v != floor(v) ? (fprintf(stderr, "hydrores plot: --frames %s: not a whole "
                                                "number\n", val), HR_EXIT_USAGE)
                                     : HR_EXIT_USAGE;
            o.movie_frames = (int)v;
        } else if (strcmp(a, "--movie") == 0) {
            o.movie = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "hydrores plot: unknown option '%s' (see hydrores plot --help)\n", a);
            return HR_EXIT_USAGE;
        } else if (!dir) {
            dir = a;
        } else {
            fprintf(stderr, "hydrores plot: unexpected argument '%s' (one DIR allowed)\n", a);
            return HR_EXIT_USAGE;
        }
        i += takes;
    }
    if (!dir) {
        fprintf(stderr, "hydrores plot: missing DIR (see hydrores plot --help)\n");
        return HR_EXIT_USAGE;
    }
    if ((width && hr_plot_parse_length(width, o.dpi, "--width", &o.width_pt)) ||
        (height && hr_plot_parse_length(height, o.dpi, "--height", &o.height_pt))) {
        fprintf(stderr, "hydrores plot: %s\n", hr_error_message());
        return HR_EXIT_USAGE;
    }
    int st = hr_plot_folder(dir, &o);
    if (st) {
        fprintf(stderr, "%s\n", hr_error_message());
        return st == HR_ENOMEM ? HR_EXIT_FAIL : HR_EXIT_USAGE;
    }
    return HR_EXIT_OK;
}
