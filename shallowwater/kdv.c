/* kdv.c — the KdV solver object: parameters and their checks, the output
 * bookkeeping shared by both schemes, and the soliton–cnoidal initial
 * condition of the reference study. The schemes themselves (and the
 * equations they discretise) are in kdv_spectral.c and kdv_fd.c. */
#include "shallowwater/kdv_internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"

/* Smallest grid either scheme accepts (the FD stencil is 7 points wide and
 * the spectral scheme needs a few modes past its dealiasing cut). */
#define HR_KDV_MIN_N 16
/* Largest grid (memory sanity: 2^22 points are 32 MiB per array). */
#define HR_KDV_MAX_N (1 << 22)
/* Most time steps one run may take. */
#define HR_KDV_MAX_STEPS 2000000000.0

hr_kdv_params hr_kdv_params_default(void)
{
    hr_kdv_params p;
    memset(&p, 0, sizeof p);
    p.length = 400.0;
    p.nu = 0.333;
    p.n = 0;
    p.dt = 0.0;
    p.scheme = HR_KDV_SPECTRAL;
    p.accurate = 0;
    return p;
}

/* True if n > 0 has no prime factor above 5 (FFTW's fast sizes). */
static int smooth235(int n)
{
    while (n % 2 == 0)
        n /= 2;
    while (n % 3 == 0)
        n /= 3;
    while (n % 5 == 0)
        n /= 5;
    return n == 1;
}

static int check_params(const hr_kdv_params *p)
{
    if (p->scheme != HR_KDV_SPECTRAL && p->scheme != HR_KDV_FD)
        return HR_ERROR(HR_EINVAL, "kdv: scheme = %d is not a scheme (allowed: %d spectral, %d fd)",
                        (int)p->scheme, HR_KDV_SPECTRAL, HR_KDV_FD);
    if (!isfinite(p->length) || p->length <= 0)
        return HR_ERROR(HR_EINVAL, "kdv: length = %g must be finite and > 0", p->length);
    if (!isfinite(p->nu) || p->nu < 0)
        return HR_ERROR(HR_EINVAL, "kdv: nu = %g must be finite and >= 0", p->nu);
    if (!isfinite(p->dt) || p->dt < 0)
        return HR_ERROR(HR_EINVAL, "kdv: dt = %g must be finite and > 0 (or 0 for the default)",
                        p->dt);
    if (p->accurate != 0 && p->accurate != 1)
        return HR_ERROR(HR_EINVAL, "kdv: accurate = %d must be 0 or 1", p->accurate);
    if (p->n < 0 || (p->n > 0 && p->n < HR_KDV_MIN_N))
        return HR_ERROR(HR_EINVAL, "kdv: n = %d grid points is too small: the minimum is %d "
                        "(or 0 for the default)", p->n, HR_KDV_MIN_N);
    if (p->n > HR_KDV_MAX_N)
        return HR_ERROR(HR_EINVAL, "kdv: n = %d grid points is too large: the maximum is %d",
                        p->n, HR_KDV_MAX_N);
    if (p->scheme == HR_KDV_SPECTRAL && p->n > 0 && (p->n % 2 != 0 || !smooth235(p->n)))
        return HR_ERROR(HR_EINVAL, "kdv: n = %d is not allowed for the spectral scheme: it must "
                        "be even with no prime factor above 5 (e.g. 256, 384, 512, 1024)", p->n);
    return HR_OK;
}

int hr_kdv_create(hr_kdv **out, const hr_kdv_params *p)
{
    if (!out)
        return HR_ERROR(HR_EINVAL, "kdv_create: out is NULL");
    *out = NULL;
    if (!p)
        return HR_ERROR(HR_EINVAL, "kdv_create: params is NULL");
    int status = check_params(p);
    if (status)
        return status;

    hr_kdv *s = calloc(1, sizeof *s);
    if (!s)
        return HR_ERROR(HR_ENOMEM, "kdv_create: out of memory");
    s->p = *p;
    if (s->p.n == 0)
        s->p.n = p->scheme == HR_KDV_SPECTRAL ? hr_kdv__spectral_default_n(p->accurate)
                                              : hr_kdv__fd_default_n(p->accurate);
    s->n = s->p.n;
    s->dx = s->p.length / s->n;
    s->u = malloc((size_t)s->n * sizeof *s->u);
    if (!s->u) {
        int n = s->n;
        free(s);
        return HR_ERROR(HR_ENOMEM, "kdv_create: out of memory for n = %d", n);
    }
    status = p->scheme == HR_KDV_SPECTRAL ? hr_kdv__spectral_init(s) : hr_kdv__fd_init(s);
    if (status) {
        hr_kdv_destroy(s);
        return status;
    }
    *out = s;
    return HR_OK;
}

void hr_kdv_destroy(hr_kdv *s)
{
    if (!s)
        return;
    hr_kdv__spectral_fini(s);
    hr_kdv__fd_fini(s);
    free(s->probe_ws);
    free(s->u);
    free(s);
}

int hr_kdv_n(const hr_kdv *s) { return s ? s->n : 0; }

double hr_kdv_dt(const hr_kdv *s) { return s ? s->p.dt : 0.0; }

double hr_kdv_x(const hr_kdv *s, int j) { return s ? j * s->dx : 0.0; }

int hr_kdv_nout(double t_end, double dt_out)
{
    if (!isfinite(t_end) || !isfinite(dt_out) || t_end < 0 || dt_out <= 0)
        return 0;
    double m = floor(t_end / dt_out + 1e-9) + 1;
    return m > INT_MAX / 2 ? 0 : (int)m;
}

const double *hr_kdv_state(const hr_kdv *s) { return s && s->have_state ? s->u : NULL; }

int hr_kdv__probe_ws(hr_kdv *s, size_t bytes)
{
    if (bytes <= s->probe_ws_bytes)
        return HR_OK;
    void *p = realloc(s->probe_ws, bytes);
    if (!p)
        return HR_ERROR(HR_ENOMEM, "kdv_run: out of memory for the probe workspace (%zu bytes)",
                        bytes);
    s->probe_ws = p;
    s->probe_ws_bytes = bytes;
    return HR_OK;
}

int hr_kdv__check_runaway(const hr_kdv *s, double t, double var, double var0, double floor_)
{
    if (isfinite(var) && var <= 4 * var0 + floor_)
        return HR_OK;
    if (!isfinite(var))
        return HR_ERROR(HR_EUNSTABLE, "kdv_run: the solution became non-finite at t = %.6g "
                        "(dt = %g, n = %d, %s scheme): reduce dt or check the initial condition",
                        t, s->p.dt, s->n, s->p.scheme == HR_KDV_SPECTRAL ? "spectral" : "fd");
    return HR_ERROR(HR_EUNSTABLE, "kdv_run: the solution ran away at t = %.6g: the conserved "
                    "integral of (u - mean)^2 grew from %.6g to %.6g (allowed: 4x) "
                    "(dt = %g, n = %d, %s scheme): reduce dt or raise n",
                    t, var0, var, s->p.dt, s->n,
                    s->p.scheme == HR_KDV_SPECTRAL ? "spectral" : "fd");
}

int hr_kdv_run(hr_kdv *s, const double *u0, const hr_kdv_output *out, double *traces)
{
    if (!s)
        return HR_ERROR(HR_EINVAL, "kdv_run: solver is NULL");
    s->have_state = 0;
    if (!u0)
        return HR_ERROR(HR_EINVAL, "kdv_run: u0 is NULL (expected n = %d values)", s->n);
    if (!out)
        return HR_ERROR(HR_EINVAL, "kdv_run: output spec is NULL");
    if (!isfinite(out->t_end) || out->t_end <= 0)
        return HR_ERROR(HR_EINVAL, "kdv_run: t_end = %g must be finite and > 0", out->t_end);
    if (!isfinite(out->dt_out) || out->dt_out <= 0 || out->dt_out > out->t_end)
        return HR_ERROR(HR_EINVAL, "kdv_run: dt_out = %g must be finite, > 0 and <= t_end = %g",
                        out->dt_out, out->t_end);
    if (out->t_end / out->dt_out > 1e8)
        return HR_ERROR(HR_EINVAL, "kdv_run: t_end / dt_out = %g output samples is too many "
                        "(allowed: at most 1e8)", out->t_end / out->dt_out);
    if (out->nprobes < 0)
        return HR_ERROR(HR_EINVAL, "kdv_run: nprobes = %d must be >= 0", out->nprobes);
    if (out->nprobes > 0 && (!out->probes || !traces))
        return HR_ERROR(HR_EINVAL, "kdv_run: nprobes = %d but %s is NULL", out->nprobes,
                        !out->probes ? "probes" : "traces");
    for (int i = 0; i < out->nprobes; i++)
        if (!isfinite(out->probes[i]) || out->probes[i] < 0 || out->probes[i] >= s->p.length)
            return HR_ERROR(HR_EINVAL, "kdv_run: probe %d at x = %g is outside [0, L = %g)", i,
                            out->probes[i], s->p.length);
    for (int j = 0; j < s->n; j++)
        if (!isfinite(u0[j]))
            return HR_ERROR(HR_EINVAL, "kdv_run: u0[%d] = %g is not finite", j, u0[j]);

    hr_kdv__plan pl;
    pl.out = out;
    pl.nout = hr_kdv_nout(out->t_end, out->dt_out);
    /* Whole steps per output interval, so every output lands on a step. */
    double sub = ceil(out->dt_out / s->p.dt - 1e-9);
    if (sub < 1)
        sub = 1;
    if (sub * (pl.nout - 1) > HR_KDV_MAX_STEPS)
        return HR_ERROR(HR_EINVAL, "kdv_run: t_end = %g at dt = %g needs %g steps (allowed: at "
                        "most %g)", out->t_end, s->p.dt, sub * (pl.nout - 1), HR_KDV_MAX_STEPS);
    pl.substeps = (int)sub;
    pl.h = out->dt_out / pl.substeps;

    int status = s->p.scheme == HR_KDV_SPECTRAL ? hr_kdv__spectral_run(s, u0, &pl, traces)
                                                : hr_kdv__fd_run(s, u0, &pl, traces);
    s->have_state = status == HR_OK;
    return status;
}

/* ---- The soliton–cnoidal initial condition of the reference study. ---- */

hr_kdv_ic hr_kdv_ic_reference(double nu)
{
    hr_kdv_ic ic;
    memset(&ic, 0, sizeof ic);
    ic.rho = 1.0;
    ic.phi = 1.0;
    ic.ks = 0.5;
    ic.delta = 20.0;
    double v = (3 * ic.rho + 2 * ic.phi - 12 * nu * ic.ks * ic.ks) / 3;
    ic.delay = 12.75 * v;
    ic.npackets = 0;
    return ic;
}

int hr_kdv_ic_check(const hr_kdv_ic *ic, double nu)
{
    if (!ic)
        return HR_ERROR(HR_EINVAL, "kdv initial condition is NULL");
    if (!isfinite(nu) || nu < 0)
        return HR_ERROR(HR_EINVAL, "kdv initial condition: nu = %g must be finite and >= 0", nu);
    if (!isfinite(ic->rho) || !isfinite(ic->phi) || !isfinite(ic->ks) || !isfinite(ic->delta) ||
        !isfinite(ic->delay))
        return HR_ERROR(HR_EINVAL, "kdv initial condition: rho = %g, phi = %g, ks = %g, "
                        "delta = %g, delay = %g must all be finite",
                        ic->rho, ic->phi, ic->ks, ic->delta, ic->delay);
    if (ic->delta <= 0)
        return HR_ERROR(HR_EINVAL, "kdv initial condition: packet width delta = %g must be > 0",
                        ic->delta);
    if (ic->npackets < 0 || ic->npackets > HR_KDV_MAX_PACKETS)
        return HR_ERROR(HR_EINVAL, "kdv initial condition: npackets = %d is outside [0, %d]",
                        ic->npackets, HR_KDV_MAX_PACKETS);
    double emax = -INFINITY;
    for (int i = 0; i < ic->npackets; i++) {
        if (!isfinite(ic->eps[i]) || !isfinite(ic->k[i]))
            return HR_ERROR(HR_EINVAL, "kdv initial condition: packet %d has eps = %g, k = %g "
                            "(both must be finite)", i, ic->eps[i], ic->k[i]);
        if (ic->eps[i] > emax)
            emax = ic->eps[i];
    }
    if (ic->npackets > 0 && !(ic->phi > 2 * emax))
        return HR_ERROR(HR_EINVAL, "kdv initial condition: soliton height phi = %g must exceed "
                        "2 max(eps_i) = %g", ic->phi, 2 * emax);
    double phi_exact = 12 * nu * ic->ks * ic->ks;
    if (!(fabs(ic->phi - phi_exact) < 1e-3))
        return HR_ERROR(HR_EINVAL, "kdv initial condition: phi = %g must be within 1e-3 of "
                        "12 nu ks^2 = %g (the soliton of width ks = %g)", ic->phi, phi_exact,
                        ic->ks);
    return HR_OK;
}

/* The reference samples f at the 1025 points x_j = -L/2 + j L/1024 and
 * treats them as one period of length L: xi = j L/1025. */
#define HR_KDV_REF_SAMPLES 1025

void hr_kdv_ic_sample(const hr_kdv *s, const hr_kdv_ic *ic, double *u0)
{
    if (!s || !ic || !u0)
        return;
    const double L = s->p.length;
    const double stretch = (double)HR_KDV_REF_SAMPLES / (HR_KDV_REF_SAMPLES - 1);
    int np = ic->npackets < 0 ? 0 : ic->npackets > HR_KDV_MAX_PACKETS ? HR_KDV_MAX_PACKETS
                                                                       : ic->npackets;
    for (int j = 0; j < s->n; j++) {
        double xi = j * s->dx;
        double y = -L / 2 + xi * stretch + ic->delay;
        double ch = cosh(ic->ks * y);
        double f = ic->rho + ic->phi / (ch * ch);
        double e = 2 * y / ic->delta;
        double e2 = e * e, e4 = e2 * e2;
        double env = exp(-e4 * e4);
        for (int i = 0; i < np; i++) {
            double c = cos(ic->k[i] * y);
            f += ic->eps[i] * c * c * env;
        }
        u0[j] = f;
    }
}

double hr_kdv_reference_probe(double length)
{
    return 640.0 * length / HR_KDV_REF_SAMPLES;
}
