/* plot_internal.h — what the figure files of `hydrores plot` share
 * (plot_folder.c, plot_movie.c): the task rows behind a folder's runs, the
 * tank movie and its GIF writer. Not a public interface. */
#ifndef HR_PLOT_INTERNAL_H
#define HR_PLOT_INTERNAL_H

#include <stddef.h>

#include "interface/plot_folder.h"
#include "reservoir/experiment.h"

/* The task rows of an experiment: which input drove run K. */
typedef struct hr__plot_task {
    char kind[32];   /* task kind ("xnor", "digits", "narma10", "memory") */
    int stream;      /* 1: one run driven by every row; 0: one run per row */
    int n_in;        /* inputs per row */
    int nrows;       /* washout + ntrain + ntest */
    int washout;     /* leading rows (streams) */
    int ntrain;      /* training rows */
    int ntest;       /* held-out rows */
    double *input;   /* nrows * n_in (owned) */
    double step;     /* stream: encoder.step (s between rows) */
} hr__plot_task;

/* Loads `config` (hr_config_load: every kind must be known to this build)
 * and regenerates its task exactly as the pipeline does. On success *e (if
 * not NULL) owns the experiment. HR_OK or the loader's status. */
int hr__plot_task_load(const char *config, hr__plot_task *t, hr_experiment **e);

void hr__plot_task_free(hr__plot_task *t);

/* A short label of run `run`'s input: "(0, 1)", "x = 0.14286", or "" for
 * streams and unknown runs. */
void hr__plot_pattern(const hr__plot_task *t, int run, char *buf, size_t size);

/* Writes OUTDIR/movie.gif: the tank surface of run opt->movie_run of the
 * simulate folder `dir`, opt->movie_frames frames from t = 0 to the run's
 * end. HR_ENOTSUP if the substrate has no surface. `written` receives the
 * path. */
int hr__plot_movie(const char *dir, const char *outdir, const hr_plot_options *opt,
                   char *written, size_t size);

/* Frames of the surface over one run. */
typedef struct hr__plot_frames {
    int n;            /* frames */
    int nx, ny;       /* grid */
    double *eta;      /* n * ny * nx elevations (m), frame-major (owned) */
    double *t;        /* n frame times (s), from 0 to the run's end (owned) */
    double vmax;      /* largest |eta| over the frames */
    char pattern[96]; /* the run's input, as hr__plot_pattern */
} hr__plot_frames;

/* The surface of run `run` of folder `dir` at `nframes` times from 0 to the
 * run's end (its last time in traces.csv, or what the pipeline records),
 * each a multiple of the substrate's dt_out, fewer if the run has fewer
 * samples. */
int hr__plot_movie_frames(const char *dir, int run, int nframes, hr__plot_frames *fr);

void hr__plot_frames_free(hr__plot_frames *fr);

/* Called by hr_plot_folder with every figure just before it is written
 * (tests inspect the panels' ranges); NULL in normal use. */
extern void (*hr__plot_emit_hook)(const char *base, hr_plot_fig *f);

/* The figure of one tank surface (ny rows of nx values) on the diverging
 * map over -vmax .. vmax, with the makers and probes of `config` (NULL or
 * unreadable: none), a title and a caption (either may be NULL), wpt x hpt
 * points; a 1D channel (ny = 1) is drawn as a profile eta(x). */
int hr__plot_surface_fig(const char *config, const char *title, const char *caption,
                         const double *field, int nx, int ny, double vmax, double wpt,
                         double hpt, hr_plot_fig **out);

/* Writes frames (each w x h pixels of 0xAARRGGBB, `stride` bytes per row)
 * as a looping animated GIF, `delay_cs` hundredths of a second per frame.
 * Colours go to a fixed palette (192 steps of `map` and 64 greys). */
int hr__gif_write(const char *path, int nframes, unsigned char *const *frames, int w, int h,
                  int stride, int delay_cs, hr_cmap map);

#endif
