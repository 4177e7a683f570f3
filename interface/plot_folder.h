/* plot_folder.h — the figures of a result folder (`hydrores plot`): what a
 * run, simulate, evolve or compare folder holds is detected from its files
 * and the figures that fit are written next to them (or into opt->out).
 *
 *   evolve   (generations.csv)  fitness.EXT, archive.EXT (MAP-Elites), genes.EXT
 *   run      (readout.csv)      traces.EXT, readout.EXT, prediction.EXT
 *                               (regression and time-series tasks)
 *   simulate (traces.csv)       traces.EXT, snapshots.EXT (tank), movie.gif (--movie)
 *   compare  (compare.csv)      pareto.EXT, bits.EXT and density.EXT (sweeps)
 *
 * Every reader error is "FILE:LINE: what (allowed: ...)" with HR_EPARSE (a
 * malformed file), HR_EIO (a missing one) or HR_EINVAL (nothing to plot). */
#ifndef HR_PLOT_FOLDER_H
#define HR_PLOT_FOLDER_H

#include "interface/plot.h"

/* How the figures of a folder are made. hr_plot_options_default() gives
 * PNG at 100 dpi, each figure's own default size, figures into the folder
 * itself, no movie, a line on stdout per figure. */
typedef struct hr_plot_options {
    hr_plot_format format; /* PNG, SVG or PDF (the movie is always a GIF) */
    double width_pt;       /* figure width (pt); 0: the figure's default */
    double height_pt;      /* figure height (pt); 0: the figure's default */
    double dpi;            /* pixels per inch of PNGs and of the movie */
    const char *out;       /* folder for the figures (created if missing); NULL: the folder */
    int movie;             /* simulate (tank): also movie.gif */
    int movie_run;         /* which run the movie shows (>= 0) */
    int movie_frames;      /* frames of the movie (2 .. 1000) */
    int quiet;             /* 1: print nothing */
} hr_plot_options;

hr_plot_options hr_plot_options_default(void);

/* Makes every figure that fits folder `dir`. HR_OK, or the first error
 * (figures already written stay). With opt->movie on a folder without a
 * tank surface, HR_ENOTSUP saying why. */
int hr_plot_folder(const char *dir, const hr_plot_options *opt);

/* The figure of one tank surface, as `simulate` writes snapshot_runK.png:
 * field (ny rows of nx values, row 0 at y = 0) on the diverging map over
 * -vmax .. vmax (vmax > 0; callers pass the largest |eta| of all runs so
 * the pictures of one folder compare), with the makers and probes of
 * `config` (a resolved experiment file; NULL or unreadable: none drawn)
 * and the run's input pattern in the title. Written to `path` as a PNG. */
int hr_plot_snapshot_png(const char *config, int run, const double *field, int nx, int ny,
                         double vmax, const char *path);

#endif
