/* sw_run.c — running the tank: wave-maker signals and their Gaussian
 * footprints, probes (bilinear), the OpenMP step loop with its per-step
 * screen for runaway states and the exact check behind it. The stable step
 * and why the screen bounds the Courant number are explained in sw.c; the
 * scheme itself in sw_kernel.h. */
#include "shallowwater/sw_internal.h"

#include <limits.h>
#include <math.h>
#include <omp.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"

/* Most time steps one run may take. */
#define HR_SW_MAX_STEPS 1e12
/* A Gaussian footprint is cut where it falls below exp(-40.5) ~ 2.6e-18. */
#define HR_SW_GAUSS_CUT 9.0

/* ---- Drive signals ---- */

/* Raised-cosine ramp from 0 (tau <= 0) to 1 (tau >= len). */
static double ramp_up(double tau, double len)
{
    if (tau <= 0)
        return 0.0;
    if (tau >= len)
        return 1.0;
    return 0.5 * (1.0 - cos(M_PI * tau / len));
}

double hr_sw_signal_eval(const hr_sw_signal *sig, double t)
{
    if (!sig || t < sig->start)
        return 0.0;
    double tau = t - sig->start;
    if (sig->duration > 0 && tau > sig->duration)
        return 0.0;
    double env = sig->ramp > 0 ? ramp_up(tau, sig->ramp) : 1.0;
    if (sig->duration > 0 && sig->ramp > 0)
        env *= ramp_up(sig->duration - tau, sig->ramp);
    if (env == 0)
        return 0.0;
    double val;
    if (sig->nsamples > 0) {
        double x = tau / sig->sample_dt;
        if (x > sig->nsamples - 1)
            return 0.0;
        int k = (int)x;
        if (k >= sig->nsamples - 1)
            val = sig->samples[sig->nsamples - 1];
        else
            val = sig->samples[k] + (x - k) * (sig->samples[k + 1] - sig->samples[k]);
    } else {
        val = sin(2.0 * M_PI * sig->frequency * t + sig->phase);
    }
    return sig->amplitude * env * val;
}

int hr_sw_signal_check(const hr_sw_signal *sig, int index)
{
    if (!sig)
        return HR_ERROR(HR_EINVAL, "sw: signal %d is NULL", index);
    if (!isfinite(sig->amplitude))
        return HR_ERROR(HR_EINVAL, "sw: signal %d: amplitude = %g m/s must be finite", index,
                        sig->amplitude);
    if (!isfinite(sig->start) || sig->start < 0)
        return HR_ERROR(HR_EINVAL, "sw: signal %d: start = %g s must be finite and >= 0", index,
                        sig->start);
    if (!isfinite(sig->duration) || sig->duration < 0)
        return HR_ERROR(HR_EINVAL, "sw: signal %d: duration = %g s must be finite and >= 0 "
                        "(0: until the end)", index, sig->duration);
    if (!isfinite(sig->ramp) || sig->ramp < 0)
        return HR_ERROR(HR_EINVAL, "sw: signal %d: ramp = %g s must be finite and >= 0", index,
                        sig->ramp);
    if (sig->duration > 0 && 2 * sig->ramp > sig->duration)
        return HR_ERROR(HR_EINVAL, "sw: signal %d: ramp = %g s is too long for duration = %g s "
                        "(allowed: 0 <= ramp <= duration / 2 = %g s)", index, sig->ramp,
                        sig->duration, sig->duration / 2);
    if (sig->nsamples < 0)
        return HR_ERROR(HR_EINVAL, "sw: signal %d: nsamples = %d must be >= 0", index,
                        sig->nsamples);
    if (sig->nsamples > 0) {
        if (!sig->samples)
            return HR_ERROR(HR_EINVAL, "sw: signal %d: nsamples = %d but samples is NULL",
                            index, sig->nsamples);
        if (!isfinite(sig->sample_dt) || sig->sample_dt <= 0)
            return HR_ERROR(HR_EINVAL, "sw: signal %d: sample_dt = %g s must be finite and > 0 "
                            "for a stream", index, sig->sample_dt);
        for (int k = 0; k < sig->nsamples; k++)
            if (!isfinite(sig->samples[k]))
                return HR_ERROR(HR_EINVAL, "sw: signal %d: samples[%d] = %g is not finite",
                                index, k, sig->samples[k]);
    } else {
        if (!isfinite(sig->frequency) || sig->frequency < 0)
            return HR_ERROR(HR_EINVAL, "sw: signal %d: frequency = %g Hz must be finite and "
                            ">= 0", index, sig->frequency);
        if (!isfinite(sig->phase))
            return HR_ERROR(HR_EINVAL, "sw: signal %d: phase = %g rad must be finite", index,
                            sig->phase);
    }
    return HR_OK;
}

/* ---- Run ---- */

/* Gaussian factor along one axis: n cells of size d on a side of length len,
 * centre c, width sigma; wraps if periodic. Returns the [lo, hi) range. */
static void gauss_axis(int n, double d, double len, int periodic, double c, double sigma,
                       double *g, int *lo, int *hi)
{
    *lo = n;
    *hi = 0;
    for (int k = 0; k < n; k++) {
        double r = (k + 0.5) * d - c;
        if (periodic)
            r -= len * nearbyint(r / len);
        double z = r / sigma;
        g[k] = fabs(z) > HR_SW_GAUSS_CUT ? 0.0 : exp(-0.5 * z * z);
        if (g[k] != 0) {
            if (k < *lo)
                *lo = k;
            *hi = k + 1;
        }
    }
    if (*lo > *hi)
        *lo = *hi = 0;
}

static int setup_makers(hr_sw *s, int nmakers, const hr_sw_maker *mk)
{
    hr_sw__makers *w = &s->mk;
    w->n = 0;
    if (nmakers == 0)
        return HR_OK;
    const int nx = s->nx, ny = s->ny;
    for (int m = 0; m < nmakers; m++) {
        const hr_sw_maker *q = &mk[m];
        if (!isfinite(q->x) || q->x < 0 || q->x > s->p.lx)
            return HR_ERROR(HR_EINVAL, "sw_run: maker %d at x = %g m is outside the tank "
                            "(allowed: 0 <= x <= lx = %g m)", m, q->x, s->p.lx);
        int point2d = s->is2d && !q->line;
        if (point2d && (!isfinite(q->y) || q->y < 0 || q->y > s->p.ly))
            return HR_ERROR(HR_EINVAL, "sw_run: maker %d at y = %g m is outside the tank "
                            "(allowed: 0 <= y <= ly = %g m)", m, q->y, s->p.ly);
        double smin = point2d ? 0.5 * fmax(s->dx, s->dy) : 0.5 * s->dx;
        if (!isfinite(q->sigma) || q->sigma < smin)
            return HR_ERROR(HR_EINVAL, "sw_run: maker %d: sigma = %g m must be finite and at "
                            "least half a cell, %g m (a narrower Gaussian is not resolved)", m,
                            q->sigma, smin);
        if (q->line != 0 && q->line != 1)
            return HR_ERROR(HR_EINVAL, "sw_run: maker %d: line = %d must be 0 or 1", m,
                            q->line);
    }
    if ((size_t)nmakers > w->cap_n) {
        double *gx = realloc(w->gx, (size_t)nmakers * nx * sizeof *gx);
        if (gx)
            w->gx = gx;
        double *gy = realloc(w->gy, (size_t)nmakers * ny * sizeof *gy);
        if (gy)
            w->gy = gy;
        int *lo = realloc(w->ilo, (size_t)nmakers * sizeof *lo);
        if (lo)
            w->ilo = lo;
        int *hi = realloc(w->ihi, (size_t)nmakers * sizeof *hi);
        if (hi)
            w->ihi = hi;
        int *ln = realloc(w->line, (size_t)nmakers * sizeof *ln);
        if (ln)
            w->line = ln;
        if (!gx || !gy || !lo || !hi || !ln)
            return HR_ERROR(HR_ENOMEM, "sw_run: out of memory for %d wave makers", nmakers);
        w->cap_n = (size_t)nmakers;
    }
    if (!w->row) {
        w->row = malloc((size_t)ny);
        if (!w->row)
            return HR_ERROR(HR_ENOMEM, "sw_run: out of memory for the wave makers");
    }
    memset(w->row, 0, (size_t)ny);
    w->nline = 0;
    for (int m = 0; m < nmakers; m++) {
        const hr_sw_maker *q = &mk[m];
        gauss_axis(nx, s->dx, s->p.lx, s->perx, q->x, q->sigma, w->gx + (size_t)m * nx,
                   &w->ilo[m], &w->ihi[m]);
        double *gy = w->gy + (size_t)m * ny;
        w->line[m] = !s->is2d || q->line;
        w->nline += w->line[m];
        if (w->line[m]) {
            for (int j = 0; j < ny; j++)
                gy[j] = 1.0;
        } else {
            int lo, hi;
            gauss_axis(ny, s->dy, s->p.ly, s->pery, q->y, q->sigma, gy, &lo, &hi);
            for (int j = 0; j < ny; j++)
                if (gy[j] != 0 && w->ihi[m] > w->ilo[m])
                    w->row[j] = 1;
        }
    }
    w->n = nmakers;
    return HR_OK;
}

/* Bilinear weights between the cell centres around (x, y). */
static void setup_probe(const hr_sw *s, double x, double y, hr_sw__probe *pr)
{
    int i[2], j[2];
    double wx, wy;
    double fx = x / s->dx - 0.5;
    i[0] = (int)floor(fx);
    wx = fx - i[0];
    i[1] = i[0] + 1;
    if (s->perx) {
        i[0] = ((i[0] % s->nx) + s->nx) % s->nx;
        i[1] = ((i[1] % s->nx) + s->nx) % s->nx;
    } else if (i[0] < 0) {
        i[0] = i[1] = 0;
        wx = 0;
    } else if (i[1] > s->nx - 1) {
        i[0] = i[1] = s->nx - 1;
        wx = 0;
    }
    if (!s->is2d) {
        j[0] = j[1] = 0;
        wy = 0;
    } else {
        double fy = y / s->dy - 0.5;
        j[0] = (int)floor(fy);
        wy = fy - j[0];
        j[1] = j[0] + 1;
        if (s->pery) {
            j[0] = ((j[0] % s->ny) + s->ny) % s->ny;
            j[1] = ((j[1] % s->ny) + s->ny) % s->ny;
        } else if (j[0] < 0) {
            j[0] = j[1] = 0;
            wy = 0;
        } else if (j[1] > s->ny - 1) {
            j[0] = j[1] = s->ny - 1;
            wy = 0;
        }
    }
    for (int b = 0; b < 2; b++)
        for (int a = 0; a < 2; a++) {
            pr->off[2 * b + a] = (ptrdiff_t)j[b] * s->stride + i[a];
            pr->w[2 * b + a] = (a ? wx : 1 - wx) * (b ? wy : 1 - wy);
        }
}

/* What stopped a run. */
enum { FAIL_NONE = 0, FAIL_NONFINITE, FAIL_DRY, FAIL_COURANT };

typedef struct run_ctl {
    int stop;                /* set by the master after a failed check */
    int kind;                /* FAIL_* */
    int fi, fj;              /* the cell */
    double value;            /* depth (dry) or Courant number */
    double speed;            /* |u| + |v| + sqrt(g h) at the cell (Courant) */
    long long step;          /* steps done when the failure was seen */
} run_ctl;

/* The cheap per-step screen: 1 if the row statistics of the new state show a
 * non-finite value, a depth <= 0 or a Courant bound above 1 (then the exact
 * check decides). */
static int screen_rows(const hr_sw *s)
{
    double hmin = INFINITY, hmax = 0, umax = 0, vmax = 0, bad = 0;
    for (int j = 0; j < s->ny; j++) {
        const hr_sw__rowstat *r = &s->stat[j];
        hmin = r->hmin < hmin ? r->hmin : hmin;
        hmax = r->hmax > hmax ? r->hmax : hmax;
        umax = r->umax > umax ? r->umax : umax;
        vmax = r->vmax > vmax ? r->vmax : vmax;
        bad += r->bad;
    }
    const hr_sw__coef *c = &s->c;
    double bound = sqrt(c->g * hmax) * c->h * c->kw + c->cx * umax +
                   (s->is2d ? c->cy * vmax : 0.0) + c->visc_rate;
    return !(bad == 0 && hmin > 0 && bound <= 1);
}

/* Reduces the row checks in row order (so the report is the same for any
 * thread count); returns 1 and fills ctl on a failure. */
static int reduce_checks(const hr_sw *s, const hr_sw__rowcheck *rows, run_ctl *ctl)
{
    for (int j = 0; j < s->ny; j++)
        if (rows[j].nonfinite_i >= 0) {
            ctl->kind = FAIL_NONFINITE;
            ctl->fi = rows[j].nonfinite_i;
            ctl->fj = j;
            return 1;
        }
    int jd = -1, jc = -1;
    for (int j = 0; j < s->ny; j++) {
        if (rows[j].hmin <= 0 && (jd < 0 || rows[j].hmin < rows[jd].hmin))
            jd = j;
        if (rows[j].cmax > 1 && (jc < 0 || rows[j].cmax > rows[jc].cmax))
            jc = j;
    }
    if (jd >= 0) {
        ctl->kind = FAIL_DRY;
        ctl->fi = rows[jd].hmin_i;
        ctl->fj = jd;
        ctl->value = rows[jd].hmin;
        return 1;
    }
    if (jc >= 0) {
        ctl->kind = FAIL_COURANT;
        ctl->fi = rows[jc].cmax_i;
        ctl->fj = jc;
        ctl->value = rows[jc].cmax;
        ctl->speed = rows[jc].speed;
        return 1;
    }
    return 0;
}

static int report_failure(const hr_sw *s, const run_ctl *ctl)
{
    const double h = s->c.h;
    const double t = ctl->step * h;
    const double x = (ctl->fi + 0.5) * s->dx, y = (ctl->fj + 0.5) * s->dy;
    char where[96];
    if (s->is2d)
        snprintf(where, sizeof where, "cell (%d, %d), x = %g m, y = %g m", ctl->fi, ctl->fj, x,
                 y);
    else
        snprintf(where, sizeof where, "cell %d, x = %g m", ctl->fi, x);
    switch (ctl->kind) {
    case FAIL_NONFINITE:
        return HR_ERROR(HR_EUNSTABLE, "sw_run: the state became non-finite at t = %g s "
                        "(step %lld), first at %s (dt = %g s, stability limit at rest %g s): "
                        "reduce dt or cfl, or the forcing", t, ctl->step, where, h,
                        s->dt_limit);
    case FAIL_DRY:
        return HR_ERROR(HR_EUNSTABLE, "sw_run: the tank ran dry at t = %g s (step %lld): the "
                        "depth H + eta = %g m <= 0 at %s (dry cells are not supported: reduce "
                        "the forcing or deepen the tank)", t, ctl->step, ctl->value, where);
    default:
        return HR_ERROR(HR_EUNSTABLE, "sw_run: the flow outran the time step at t = %g s (step "
                        "%lld): at %s, the speed |u| + |v| + sqrt(g h) = %g m/s makes the "
                        "Courant number %.4g > 1 (allowed: <= 1); dt = %g s, this flow needs "
                        "dt <= %g s: reduce dt or cfl, or the forcing", t, ctl->step, where,
                        ctl->speed, ctl->value, h, h / ctl->value);
    }
}

/* A sense-reversing barrier for the step loop. GOMP's barrier spins for a
 * long time before sleeping; on a machine shared with other busy processes
 * a waiting thread then burns the core its partner (descheduled) needs, and
 * a step costs a scheduler time slice (measured: 256^2 on 2 threads fell
 * from ~700 to 8 million cell updates per second). This one spins briefly,
 * then yields. The last thread to arrive resets the count and releases the
 * others; acquire/release ordering makes every write before the barrier
 * visible after it. */
typedef struct run_barrier {
    _Atomic int count; /* threads yet to arrive */
    _Atomic int sense; /* flips each time all have arrived */
    int n;             /* threads */
} run_barrier;

static void barrier_wait(run_barrier *b, int *local_sense)
{
    const int sense = !*local_sense;
    *local_sense = sense;
    if (atomic_fetch_sub_explicit(&b->count, 1, memory_order_acq_rel) == 1) {
        atomic_store_explicit(&b->count, b->n, memory_order_relaxed);
        atomic_store_explicit(&b->sense, sense, memory_order_release);
        return;
    }
    for (int spins = 0; atomic_load_explicit(&b->sense, memory_order_acquire) != sense;) {
        if (spins < 2000) {
            spins++;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        } else {
            sched_yield();
        }
    }
}

int hr_sw_run(hr_sw *s, int nmakers, const hr_sw_maker *makers, const hr_sw_signal *signals,
              int nprobes, const double *probe_xy, double t_end, double dt_out, double *traces)
{
    return hr_sw_run_from(s, NULL, nmakers, makers, signals, nprobes, probe_xy, t_end, dt_out,
                          traces);
}

int hr_sw_run_from(hr_sw *s, const hr_sw_state *init, int nmakers, const hr_sw_maker *makers,
                   const hr_sw_signal *signals, int nprobes, const double *probe_xy,
                   double t_end, double dt_out, double *traces)
{
    hr_sw_forcing f = {.nmakers = nmakers, .makers = makers, .signals = signals};
    hr_sw_output o = {.t_end = t_end, .dt_out = dt_out, .nprobes = nprobes,
                      .probe_xy = probe_xy, .traces = traces};
    return hr_sw_run_with(s, init, &f, &o);
}

/* Checks a run's arguments against the solver. */
static int check_run(const hr_sw *s, const hr_sw_state *init, const hr_sw_forcing *f,
                     const hr_sw_output *o)
{
    if (!s)
        return HR_ERROR(HR_EINVAL, "sw_run: solver is NULL");
    if (!f || !o)
        return HR_ERROR(HR_EINVAL, "sw_run: forcing and output must not be NULL");
    if (!isfinite(o->t_end) || o->t_end < 0)
        return HR_ERROR(HR_EINVAL, "sw_run: t_end = %g s must be finite and >= 0", o->t_end);
    if (!isfinite(o->dt_out) || o->dt_out <= 0)
        return HR_ERROR(HR_EINVAL, "sw_run: dt_out = %g s must be finite and > 0", o->dt_out);
    if (o->t_end / o->dt_out > 1e9)
        return HR_ERROR(HR_EINVAL, "sw_run: t_end / dt_out = %g output samples is too many "
                        "(allowed: at most 1e9)", o->t_end / o->dt_out);
    if (f->nmakers < 0)
        return HR_ERROR(HR_EINVAL, "sw_run: nmakers = %d must be >= 0", f->nmakers);
    if (f->nmakers > 0 && (!f->makers || !f->signals))
        return HR_ERROR(HR_EINVAL, "sw_run: nmakers = %d but %s is NULL", f->nmakers,
                        !f->makers ? "makers" : "signals");
    if (o->nprobes < 0)
        return HR_ERROR(HR_EINVAL, "sw_run: nprobes = %d must be >= 0", o->nprobes);
    if (o->nprobes > 0 && (!o->probe_xy || !o->traces))
        return HR_ERROR(HR_EINVAL, "sw_run: nprobes = %d but %s is NULL", o->nprobes,
                        !o->probe_xy ? "probe_xy" : "traces");
    if (o->frame_every < 0 || (o->frame_every > 0 && !o->frame))
        return HR_ERROR(HR_EINVAL, "sw_run: frame_every = %d (allowed: >= 0, with a frame "
                        "callback when > 0)", o->frame_every);
    for (int p = 0; p < o->nprobes; p++) {
        double x = o->probe_xy[2 * p], y = o->probe_xy[2 * p + 1];
        if (!isfinite(x) || x < 0 || x > s->p.lx)
            return HR_ERROR(HR_EINVAL, "sw_run: probe %d at x = %g m is outside the tank "
                            "(allowed: 0 <= x <= lx = %g m)", p, x, s->p.lx);
        if (s->is2d && (!isfinite(y) || y < 0 || y > s->p.ly))
            return HR_ERROR(HR_EINVAL, "sw_run: probe %d at y = %g m is outside the tank "
                            "(allowed: 0 <= y <= ly = %g m)", p, y, s->p.ly);
    }
    for (int m = 0; m < f->nmakers; m++) {
        int st = hr_sw_signal_check(&f->signals[m], m);
        if (st)
            return hr_error_prefix(st, "sw_run");
    }
    if (init) {
        const size_t n = (size_t)s->nx * s->ny;
        const double *a3[3] = {init->eta, init->u, s->is2d ? init->v : NULL};
        static const char *const fname[3] = {"eta", "u", "v"};
        for (int a = 0; a < 3; a++)
            for (size_t k = 0; a3[a] && k < n; k++)
                if (!isfinite(a3[a][k]))
                    return HR_ERROR(HR_EINVAL, "sw_run: initial %s at cell (%d, %d) is %g "
                                    "(must be finite)", fname[a], (int)(k % (size_t)s->nx),
                                    (int)(k / (size_t)s->nx), a3[a][k]);
    }
    return HR_OK;
}

/* Sets the step's constants and the exactly integrated damping factors
 * exp(-(r + sigma) h) for step h. */
static void prepare_coefficients(hr_sw *s, double h)
{
    const double r = s->p.drag;
    hr_sw__coef *c = &s->c;
    c->h = h;
    c->cx = h / s->dx;
    c->cy = h / s->dy;
    c->g = s->p.g;
    c->gx = s->p.g * h / s->dx;
    c->gy = s->p.g * h / s->dy;
    c->nux = s->p.viscosity * h / (s->dx * s->dx);
    c->nuy = s->is2d ? s->p.viscosity * h / (s->dy * s->dy) : 0.0;
    c->kw = s->kw;
    c->visc_rate = isfinite(s->dt_visc) ? h / s->dt_visc : 0.0;
    const int nx = s->nx, ny = s->ny;
    double *fxu = s->fx_d, *fxv = fxu + nx, *fyu = fxv + nx, *fyv = fyu + ny;
    for (int i = 0; i < nx; i++) {
        fxu[i] = exp(-(r + s->sigx_u[i]) * h);
        fxv[i] = exp(-(r + s->sigx_c[i]) * h);
    }
    if (!s->perx)
        fxu[0] = 0.0;
    for (int j = 0; j < ny; j++) {
        fyu[j] = s->is2d ? exp(-s->sigy_c[j] * h) : 1.0;
        fyv[j] = s->is2d ? exp(-s->sigy_v[j] * h) : 0.0;
    }
    if (!s->pery)
        fyv[0] = 0.0;
    s->k->prepare(s);
}

/* Threads for the step loop: blocks of at least 2 rows (so a halo never
 * includes a ghost row another thread is filling) and of min_cells cells
 * (below that the two barriers per step cost more than a thread gains, and
 * on a shared machine a descheduled thread stalls every step); 1D runs on
 * one thread. */
static int loop_threads(const hr_sw *s)
{
    long long by_work = (long long)s->nx * s->ny / s->min_cells;
    int nthreads = s->p.threads;
    if (nthreads > s->ny / 2)
        nthreads = s->ny / 2;
    if (nthreads > by_work)
        nthreads = by_work < 1 ? 1 : (int)by_work;
    return s->is2d ? nthreads : 1;
}

/* The step loop: nsteps steps of h, output every `substeps` steps. Per
 * step: halo copies, barrier, sweep, barrier, ghost rows, the screen and
 * the outputs (master), and only if the screen trips, the exact check.
 * Returns the steps done; *ctl says whether and where it stopped. */
static long long step_loop(hr_sw *s, const hr_sw_forcing *f, const hr_sw_output *o,
                           const hr_sw__probe *pr, int nout, long long nsteps, int substeps,
                           double h, double *amp, run_ctl *ctl)
{
    const hr_sw__kernel *k = s->k;
    const int ny = s->ny, nmakers = f->nmakers, nprobes = o->nprobes;
    long long steps_done = 0;
    int suspect = 0;
    run_barrier bar;
    atomic_init(&bar.sense, 0);
#pragma omp parallel num_threads(loop_threads(s))
    {
        const int tid = omp_get_thread_num(), nth = omp_get_num_threads();
        int j0, j1, my_sense = 0;
#pragma omp master
        {
            bar.n = nth;
            atomic_init(&bar.count, nth);
        }
#pragma omp barrier
        hr_sw__rows(ny, tid, nth, &j0, &j1);
        double *a = amp + (size_t)tid * (size_t)(nmakers + 1);
        k->halo(s, j0, j1, tid);
        barrier_wait(&bar, &my_sense);
        for (long long n = 0; n < nsteps; n++) {
            const double tm = ((double)n + 0.5) * h;
            for (int m = 0; m < nmakers; m++)
                a[m] = hr_sw_signal_eval(&f->signals[m], tm);
            k->sweep(s, j0, j1, tid, a);
            barrier_wait(&bar, &my_sense);
            if (tid == 0 || tid == nth - 1)
                k->ghost_rows(s, tid == 0, tid == nth - 1);
            const long long done = n + 1;
#pragma omp master
            {
                suspect = screen_rows(s);
                /* The interior is final here; the ghost rows do not matter. */
                if (done % substeps == 0) {
                    const size_t kk = (size_t)(done / substeps);
                    for (int p = 0; p < nprobes; p++)
                        o->traces[(size_t)p * nout + kk] = k->probe(s, &pr[p]);
                    if (o->frame_every > 0 && kk % (size_t)o->frame_every == 0) {
                        s->steps = done;
                        s->time = done * h;
                        o->frame(o->frame_ctx, s, (double)kk * o->dt_out);
                    }
                }
            }
            if (done < nsteps)
                k->halo(s, j0, j1, tid);
            barrier_wait(&bar, &my_sense);
            if (suspect) {
                /* Rare: the exact check, in parallel, reduced in row order. */
                k->check_rows(s, j0, j1, s->check);
                barrier_wait(&bar, &my_sense);
#pragma omp master
                {
                    if (reduce_checks(s, s->check, ctl)) {
                        ctl->stop = 1;
                        ctl->step = done;
                    }
                }
                barrier_wait(&bar, &my_sense);
                if (ctl->stop)
                    break;
            }
        }
#pragma omp master
        steps_done = ctl->stop ? ctl->step : nsteps;
    }
    return steps_done;
}

int hr_sw_run_with(hr_sw *s, const hr_sw_state *init, const hr_sw_forcing *f,
                   const hr_sw_output *o)
{
    int st = check_run(s, init, f, o);
    if (st)
        return st;
    /* Steps: whole steps per output interval, so every output lands on a step. */
    const int nout = hr_sw_nout(o->t_end, o->dt_out);
    double sub = ceil(o->dt_out / s->p.dt - 1e-9);
    if (sub < 1)
        sub = 1;
    if (sub * (nout - 1) > HR_SW_MAX_STEPS || sub > INT_MAX)
        return HR_ERROR(HR_EINVAL, "sw_run: t_end = %g s at dt = %g s needs %g steps (allowed: "
                        "at most %g)", o->t_end, s->p.dt, sub * (nout - 1), HR_SW_MAX_STEPS);
    const int substeps = (int)sub;
    const long long nsteps = (long long)substeps * (nout - 1);
    const double h = o->dt_out / substeps;

    if ((st = setup_makers(s, f->nmakers, f->makers)))
        return st;
    hr_sw__probe *pr = NULL;
    double *amp = malloc(((size_t)s->p.threads * (size_t)(f->nmakers + 1)) * sizeof *amp);
    if (o->nprobes > 0)
        pr = malloc((size_t)o->nprobes * sizeof *pr);
    if (!amp || (o->nprobes > 0 && !pr)) {
        free(amp);
        free(pr);
        return HR_ERROR(HR_ENOMEM, "sw_run: out of memory for the run workspace");
    }
    for (int p = 0; p < o->nprobes; p++)
        setup_probe(s, o->probe_xy[2 * p], o->probe_xy[2 * p + 1], &pr[p]);
    prepare_coefficients(s, h);

    /* Initial state, its check and the first output. */
    s->k->set_state(s, init);
    s->steps = 0;
    s->time = 0;
    run_ctl ctl;
    memset(&ctl, 0, sizeof ctl);
    s->k->check_rows(s, 0, s->ny, s->check);
    if (reduce_checks(s, s->check, &ctl)) {
        free(amp);
        free(pr);
        return hr_error_prefix(report_failure(s, &ctl), "sw_run: the initial state is not "
                               "usable");
    }
    for (int p = 0; p < o->nprobes; p++)
        o->traces[(size_t)p * nout] = s->k->probe(s, &pr[p]);
    if (o->frame_every > 0)
        o->frame(o->frame_ctx, s, 0.0);

    long long steps_done = step_loop(s, f, o, pr, nout, nsteps, substeps, h, amp, &ctl);
    s->steps = steps_done;
    s->time = steps_done * h;
    free(amp);
    free(pr);
    if (ctl.stop)
        return report_failure(s, &ctl);
    return HR_OK;
}
