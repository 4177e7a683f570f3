/* plot_movie.c — the task rows behind a folder's runs, and the movie of a
 * tank run as an animated GIF (giflib).
 *
 * Frames come through the public substrate interface: frame i is the
 * stimulus of the run re-run from rest to t_i = m_i dt_out and the
 * substrate's snapshot at its end. The tank's step is dt_out / ceil(dt_out
 * / dt) whatever t_end is, so each frame is the state the full run passes
 * through at t_i, bit for bit (tests/test_plot.c checks the last frame
 * against snapshot_runK.csv); the cost is about nframes / 2 runs. A solver
 * hook that hands out the state every k-th output sample (or hr_sw_run_from
 * with a start time for the drive signals) would make it one run. */
#include "interface/plot_internal.h"
#include "interface/config.h"
#include "interface/plot_data.h"
#include "base/atomic.h"
#include "base/status.h"
#include "reservoir/encoder.h"
#include "reservoir/substrate.h"
#include "tasks/task_kind.h"
#include "tasks/tasks.h"

#include <gif_lib.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- Task rows ---- */

int hr__plot_task_load(const char *config, hr__plot_task *t, hr_experiment **eout)
{
    memset(t, 0, sizeof *t);
    if (eout)
        *eout = NULL;
    hr_experiment *e;
    int st = hr_config_load(config, &e);
    if (st)
        return st;
    hr_task *task = NULL;
    if ((st = hr_task_make(e->sec[HR_SEC_TASK], &task))) { /* the pipeline's own rows */
        hr_experiment_destroy(e);
        return st;
    }
    snprintf(t->kind, sizeof t->kind, "%s", e->sec[HR_SEC_TASK]->kind);
    t->stream = task->stream;
    t->n_in = (int)task->n_in;
    t->nrows = (int)task->n_rows;
    t->washout = (int)task->washout;
    t->ntrain = (int)task->n_train;
    t->ntest = (int)task->n_test;
    t->step = hr_section_num(e->sec[HR_SEC_ENCODER], "step");
    t->input = malloc(task->n_rows * task->n_in * sizeof *t->input + 1);
    if (!t->input) {
        hr_task_free(task);
        hr_experiment_destroy(e);
        return HR_ERROR(HR_ENOMEM, "out of memory");
    }
    memcpy(t->input, task->input, task->n_rows * task->n_in * sizeof *t->input);
    hr_task_free(task);
    if (eout)
        *eout = e;
    else
        hr_experiment_destroy(e);
    return HR_OK;
}

void hr__plot_task_free(hr__plot_task *t)
{
    free(t->input);
    t->input = NULL;
}

void hr__plot_pattern(const hr__plot_task *t, int run, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!t || !t->input || t->stream || run < 0 || run >= t->nrows)
        return;
    const double *x = t->input + (size_t)run * t->n_in;
    if (t->n_in == 1) {
        snprintf(buf, size, "x = %.5g", x[0]);
        return;
    }
    size_t o = 0;
    for (int i = 0; i < t->n_in && o + 16 < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%.3g", i ? ", " : "(", x[i]);
    if (o + 2 < size)
        snprintf(buf + o, size - o, ")");
}

/* ---- GIF ---- */

typedef struct gifbuf {
    unsigned char *p;
    size_t n, cap;
} gifbuf;

static int gif_out(GifFileType *gif, const GifByteType *data, int len)
{
    gifbuf *b = gif->UserData;
    if (b->n + (size_t)len > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->n + (size_t)len)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p)
            return 0;
        b->p = p, b->cap = cap;
    }
    memcpy(b->p + b->n, data, (size_t)len);
    b->n += (size_t)len;
    return len;
}

int hr__gif_write(const char *path, int nframes, unsigned char *const *frames, int w, int h,
                  int stride, int delay_cs, hr_cmap map)
{
    GifColorType pal[256];
    for (int i = 0; i < 192; i++) {
        hr_rgb c = hr_cmap_lookup(map, (i + 0.5) / 192);
        pal[i].Red = (GifByteType)lround(c.r * 255);
        pal[i].Green = (GifByteType)lround(c.g * 255);
        pal[i].Blue = (GifByteType)lround(c.b * 255);
    }
    for (int i = 0; i < 64; i++) {
        GifByteType g = (GifByteType)lround(i * 255.0 / 63);
        pal[192 + i].Red = pal[192 + i].Green = pal[192 + i].Blue = g;
    }
    /* Nearest palette entry of each 15-bit colour, found on first use. */
    int16_t *near = malloc(32768 * sizeof *near);
    GifPixelType *line = malloc((size_t)w);
    if (!near || !line) {
        free(near);
        free(line);
        return HR_ERROR(HR_ENOMEM, "out of memory for the GIF palette");
    }
    for (int i = 0; i < 32768; i++)
        near[i] = -1;
    int err = 0;
    gifbuf buf = {0};
    GifFileType *gif = EGifOpen(&buf, gif_out, &err);
    if (!gif) {
        free(near);
        free(line);
        return HR_ERROR(HR_EIO, "%s: cannot create the GIF: %s", path, GifErrorString(err));
    }
    int st = HR_OK;
    ColorMapObject *cmap = GifMakeMapObject(256, pal);
    EGifSetGifVersion(gif, true);
    if (!cmap || EGifPutScreenDesc(gif, w, h, 8, 0, cmap) == GIF_ERROR) {
        st = HR_ERROR(HR_EIO, "%s: GIF header: %s", path, GifErrorString(gif->Error));
        goto done;
    }
    /* NETSCAPE2.0: loop for ever. */
    static const unsigned char loop[3] = {1, 0, 0};
    if (EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
        EGifPutExtensionBlock(gif, 11, "NETSCAPE2.0") == GIF_ERROR ||
        EGifPutExtensionBlock(gif, 3, loop) == GIF_ERROR || EGifPutExtensionTrailer(gif) == GIF_ERROR) {
        st = HR_ERROR(HR_EIO, "%s: GIF loop extension: %s", path, GifErrorString(gif->Error));
        goto done;
    }
    for (int f = 0; f < nframes && !st; f++) {
        GraphicsControlBlock gcb = {.DisposalMode = DISPOSE_DO_NOT, .UserInputFlag = false,
                                    .DelayTime = delay_cs, .TransparentColor = NO_TRANSPARENT_COLOR};
        GifByteType ext[4];
        EGifGCBToExtension(&gcb, ext);
        if (EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, ext) == GIF_ERROR ||
            EGifPutImageDesc(gif, 0, 0, w, h, false, NULL) == GIF_ERROR) {
            st = HR_ERROR(HR_EIO, "%s: GIF frame %d: %s", path, f, GifErrorString(gif->Error));
            break;
        }
        for (int y = 0; y < h; y++) {
            const uint32_t *px = (const uint32_t *)(const void *)(frames[f] + (size_t)y * (size_t)stride);
            for (int x = 0; x < w; x++) {
                uint32_t c = px[x];
                int r = (int)(c >> 16 & 255), g = (int)(c >> 8 & 255), b = (int)(c & 255);
                int key = (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3);
                if (near[key] < 0) {
                    double cr = r, cg = g, cb = b; /* the bucket's first colour */
                    double best = 1e30;
                    for (int i = 0; i < 256; i++) {
                        double dr = cr - pal[i].Red, dg = cg - pal[i].Green, db = cb - pal[i].Blue;
                        double d = 0.30 * dr * dr + 0.59 * dg * dg + 0.11 * db * db;
                        if (d < best)
                            best = d, near[key] = (int16_t)i;
                    }
                }
                line[x] = (GifPixelType)near[key];
            }
            if (EGifPutLine(gif, line, w) == GIF_ERROR) {
                st = HR_ERROR(HR_EIO, "%s: GIF frame %d: %s", path, f, GifErrorString(gif->Error));
                break;
            }
        }
    }
done:
    GifFreeMapObject(cmap);
    if (EGifCloseFile(gif, &err) == GIF_ERROR && !st)
        st = HR_ERROR(HR_EIO, "%s: closing the GIF: %s", path, GifErrorString(err));
    if (!st)
        st = hr_write_atomic(path, buf.p, buf.n, "movie");
    free(buf.p);
    free(near);
    free(line);
    return st;
}

/* ---- The movie ---- */

/* The end time of run `run` in DIR/traces.csv (its last non-empty row), or
 * NaN if the file or the run is not there. */
static double run_end(const char *dir, int run)
{
    char path[1200], col[64];
    snprintf(path, sizeof path, "%s/traces.csv", dir);
    hr_csv *t;
    if (hr_csv_read(path, 1, &t))
        return NAN;
    snprintf(col, sizeof col, "run%d_probe0", run);
    int ct = hr_csv_col(t, "t"), cr = hr_csv_col(t, col);
    double end = NAN;
    for (int r = 0; ct >= 0 && cr >= 0 && r < t->nrows; r++) {
        double tv, v;
        if (hr_csv_num(t, r, ct, &tv) || hr_csv_num(t, r, cr, &v))
            break;
        if (!isnan(v))
            end = tv;
    }
    hr_csv_free(t);
    hr_error_clear();
    return end;
}

void hr__plot_frames_free(hr__plot_frames *fr)
{
    free(fr->eta);
    free(fr->t);
    memset(fr, 0, sizeof *fr);
}

int hr__plot_movie_frames(const char *dir, int k, int nf, hr__plot_frames *fr)
{
    memset(fr, 0, sizeof *fr);
    char config[1200];
    snprintf(config, sizeof config, "%s/config.xml", dir);
    hr__plot_task task;
    hr_experiment *e;
    int st = hr__plot_task_load(config, &task, &e);
    if (st)
        return hr_error_prefix(st, "--movie");
    hr_substrate *sub = NULL;
    double *work = NULL, *u = NULL;
    const hr_section *ss = e->sec[HR_SEC_SUBSTRATE];
    const hr_substrate_type *type = hr_substrate_lookup(ss->kind, NULL, 0);
    if (!type || !type->snapshot) {
        st = HR_ERROR(HR_ENOTSUP, "--movie: substrate kind '%s' has no surface to animate "
                      "(allowed: a tank)", ss->kind);
        goto out;
    }
    int nruns = task.stream ? 1 : task.nrows;
    if (k < 0 || k >= nruns) {
        st = HR_ERROR(HR_EINVAL, "--movie-run %d: %s has %d runs (allowed: 0 .. %d)", k, dir,
                      nruns, nruns - 1);
        goto out;
    }
    if ((st = hr_substrate_open(&sub, ss)))
        goto out;
    int np;
    double dt;
    if ((st = hr_substrate_probes(sub, &np, &dt)))
        goto out;
    /* The stimulus of run k, as the pipeline encodes it. */
    hr_stimulus stim;
    const hr_section *enc = e->sec[HR_SEC_ENCODER];
    work = malloc((size_t)task.nrows * sizeof *work + 8);
    u = malloc((size_t)task.nrows * sizeof *u + 8);
    if (!work || !u) {
        st = HR_ERROR(HR_ENOMEM, "out of memory");
        goto out;
    }
    if (task.stream) {
        for (int r = 0; r < task.nrows; r++)
            u[r] = task.input[(size_t)r * task.n_in];
        st = hr_encoder_encode(enc, u, task.nrows, work, &stim);
    } else {
        st = hr_encoder_encode(enc, task.input + (size_t)k * task.n_in, task.n_in, work, &stim);
    }
    double t_end = run_end(dir, k);
    if (!st && !(t_end > 0)) {
        /* No traces.csv: the end the pipeline records to. */
        int nt = 0;
        double tmax = 0, times[256];
        hr_pconf *pc;
        if (!(st = hr_pconf_load(config, &pc))) {
            st = hr_pconf_list(pc, "readout", "t", times, 256, &nt);
            hr_pconf_free(pc);
        }
        for (int j = 0; !st && j < nt; j++)
            tmax = fmax(tmax, times[j]);
        for (int i = 0; !st && i < e->ngenes; i++)
            if (e->genes[i].section == HR_SEC_READOUT && e->genes[i].setting[0] == 't')
                tmax = fmax(tmax, e->genes[i].hi);
        if (task.stream)
            tmax += (task.nrows - 1) * task.step;
        t_end = (floor(tmax / dt + 1e-9) + 2) * dt;
    }
    long nsteps = lround(t_end / dt);
    if (!st && nf > nsteps + 1)
        nf = (int)nsteps + 1;
    hr__plot_pattern(&task, k, fr->pattern, sizeof fr->pattern);
    if (!st && !(fr->t = malloc((size_t)nf * sizeof *fr->t)))
        st = HR_ERROR(HR_ENOMEM, "out of memory");
    hr_traces tr = {0};
    for (int f = 0; !st && f < nf; f++) {
        long m = nf > 1 ? lround((double)f * nsteps / (nf - 1)) : nsteps;
        stim.t_end = m * dt;
        fr->t[f] = m * dt;
        if (m > 0 && (st = hr_substrate_run(sub, &stim, &tr))) /* m = 0: the rest state */
            break;
        free(tr.data);
        tr.data = NULL;
        double *field;
        int nx, ny;
        if ((st = hr_substrate_snapshot(sub, &field, &nx, &ny)))
            break;
        if (!fr->eta) {
            fr->nx = nx, fr->ny = ny;
            if (!(fr->eta = malloc((size_t)nf * (size_t)nx * (size_t)ny * sizeof(double)))) {
                free(field);
                st = HR_ERROR(HR_ENOMEM, "out of memory for %d frames", nf);
                break;
            }
        }
        memcpy(fr->eta + (size_t)f * nx * ny, field, (size_t)nx * ny * sizeof(double));
        for (size_t i = 0; i < (size_t)nx * ny; i++)
            fr->vmax = fmax(fr->vmax, fabs(field[i]));
        free(field);
        fr->n = f + 1;
    }
out:
    free(work);
    free(u);
    hr_substrate_close(sub);
    hr__plot_task_free(&task);
    hr_experiment_destroy(e);
    if (st)
        hr__plot_frames_free(fr);
    return st;
}

int hr__plot_movie(const char *dir, const char *outdir, const hr_plot_options *opt,
                   char *written, size_t size)
{
    hr__plot_frames fr;
    int k = opt->movie_run;
    int st = hr__plot_movie_frames(dir, k, opt->movie_frames, &fr);
    if (st)
        return st;
    char config[1200];
    snprintf(config, sizeof config, "%s/config.xml", dir);
    double vmax = fr.vmax > 0 ? fr.vmax : 1e-6;
    double wpt = opt->width_pt > 0 ? opt->width_pt : 6.4 * 72;
    double hpt = opt->height_pt > 0 ? opt->height_pt : wpt * (fr.ny > 1 ? 0.62 : 0.5);
    unsigned char **img = calloc((size_t)fr.n, sizeof *img);
    if (!img) {
        hr__plot_frames_free(&fr);
        return HR_ERROR(HR_ENOMEM, "out of memory");
    }
    char title[256];
    int w = 0, h = 0, stride = 0;
    size_t cells = (size_t)fr.nx * fr.ny;
    for (int f = 0; !st && f < fr.n; f++) {
        snprintf(title, sizeof title, "run %d%s%s,  t = %.2f s", k, fr.pattern[0] ? ": " : "",
                 fr.pattern, fr.t[f]);
        hr_plot_fig *fig;
        if ((st = hr__plot_surface_fig(config, title, NULL, fr.eta + (size_t)f * cells, fr.nx,
                                       fr.ny, vmax, wpt, hpt, &fig)))
            break;
        st = hr_plot_fig_render(fig, opt->dpi, &img[f], &w, &h, &stride);
        hr_plot_fig_destroy(fig);
    }
    if (!st) {
        snprintf(written, size, "%s/movie.gif", outdir);
        /* Real time, within 4 .. 50 hundredths of a second a frame. */
        double secs = fr.n > 1 ? fr.t[fr.n - 1] / (fr.n - 1) : 0.1;
        int delay = (int)lround(fmin(fmax(secs * 100, 4), 50));
        st = hr__gif_write(written, fr.n, img, w, h, stride, delay, HR_CMAP_COOLWARM);
    }
    for (int f = 0; f < fr.n; f++)
        free(img[f]);
    free(img);
    hr__plot_frames_free(&fr);
    return st;
}
