/* sw.c — the shallow-water solver object: parameters and their checks, the
 * bathymetry, the sponge profiles and the stable step, and the run driver
 * (wave-maker signals and footprints, probes, the OpenMP step loop, the
 * runaway checks). The equations and the scheme are in sw_kernel.h.
 *
 * # Time step
 *
 * The forward-backward scheme is stable for linear waves when
 * sqrt(g H) dt sqrt(1/dx^2 + 1/dy^2) <= 1 (1/dx alone in 1D), and the
 * explicit viscosity when 2 nu dt (1/dx^2 + 1/dy^2) <= 1. The stability limit
 * used here combines the two rates, dt_limit = 1 / (1/dt_wave + 1/dt_visc),
 * with Hmax the largest still depth; the automatic step is cfl * dt_limit.
 * Waves of finite height and currents move faster than sqrt(g Hmax), so
 * during a run the Courant number of every cell,
 *     C = dt (sqrt(g h) kw + |u| / dx + |v| / dy) + dt / dt_visc,
 * must stay <= 1. Every step bounds it from the row statistics the sweep
 * gathers (largest depth and speeds) and tests them for drying (h <= 0) and
 * non-finite values; if the bound passes 1 or a test trips, the exact
 * per-cell check runs and a real failure stops the run at that step, naming
 * the cell.
 *
 * # Sponges
 *
 * A sponge side is a wall behind a friction layer of width w in which the
 * velocity is damped at the rate sigma(d) = sigma_max ((w - d) / w)^2, d the
 * distance from the wall. Friction (rather than relaxing eta to 0) removes
 * energy without removing mass and acts on the flow as bottom friction does,
 * smoothly, so nothing builds up at the grid scale in long runs (a forced
 * tank reaches the same periodic state after 50 s as after 400 s). The
 * damping is integrated exactly (see sw_kernel.h), so any strength is
 * stable; the default 10 sqrt(g Hmax) / w absorbs > 97% of the energy of
 * waves up to one sponge width long. */
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

/* Largest number of cells along one side and in all (memory sanity: 2^26
 * cells are 2 GiB of float64 grid arrays). */
#define HR_SW_MAX_SIDE (1 << 16)
#define HR_SW_MAX_CELLS (1LL << 26)
/* Most time steps one run may take. */
#define HR_SW_MAX_STEPS 1e12
/* State size above which the sweep prefetches rows (see sw_kernel.h) when
 * the last-level cache size is unknown. */
#define HR_SW_PREFETCH_BYTES (32L << 20)
/* Fewest cells a thread gets in a run (a 128 x 128 block). */
#define HR_SW_MIN_CELLS_PER_THREAD 16384
/* A Gaussian footprint is cut where it falls below exp(-40.5) ~ 2.6e-18. */
#define HR_SW_GAUSS_CUT 9.0

static const char *const side_names[4] = {"west", "east", "south", "north"};

hr_sw_params hr_sw_params_default(void)
{
    hr_sw_params p;
    memset(&p, 0, sizeof p);
    p.nx = 128;
    p.ny = 128;
    p.lx = 1.0;
    p.ly = 1.0;
    p.g = 9.81;
    p.depth_kind = HR_SW_DEPTH_CONSTANT;
    p.depth = 0.05;
    p.drag = 0.0;
    p.viscosity = 0.0;
    for (int k = 0; k < 4; k++)
        p.boundary[k] = HR_SW_WALL;
    p.sponge_width = 0.1;
    p.sponge_strength = 0.0;
    p.cfl = 0.5;
    p.dt = 0.0;
    p.precision = HR_SW_F64;
    p.threads = 0;
    return p;
}

/* ---- Parameters ---- */

static int check_params(const hr_sw_params *p)
{
    if (p->nx < 4 || p->nx > HR_SW_MAX_SIDE)
        return HR_ERROR(HR_EINVAL, "sw: nx = %d cells is outside the allowed range [4, %d]",
                        p->nx, HR_SW_MAX_SIDE);
    if (p->ny != 1 && (p->ny < 4 || p->ny > HR_SW_MAX_SIDE))
        return HR_ERROR(HR_EINVAL, "sw: ny = %d cells is not allowed: use 1 (a 1D channel) or "
                        "a value in [4, %d]", p->ny, HR_SW_MAX_SIDE);
    if ((long long)p->nx * p->ny > HR_SW_MAX_CELLS)
        return HR_ERROR(HR_EINVAL, "sw: nx * ny = %d * %d cells is too many (allowed: at most "
                        "%lld)", p->nx, p->ny, HR_SW_MAX_CELLS);
    if (!isfinite(p->lx) || p->lx <= 0)
        return HR_ERROR(HR_EINVAL, "sw: lx = %g m must be finite and > 0", p->lx);
    if (!isfinite(p->ly) || p->ly <= 0)
        return HR_ERROR(HR_EINVAL, "sw: ly = %g m must be finite and > 0", p->ly);
    if (!isfinite(p->g) || p->g <= 0)
        return HR_ERROR(HR_EINVAL, "sw: g = %g m/s^2 must be finite and > 0", p->g);
    if (!isfinite(p->drag) || p->drag < 0)
        return HR_ERROR(HR_EINVAL, "sw: drag r = %g 1/s must be finite and >= 0", p->drag);
    if (!isfinite(p->viscosity) || p->viscosity < 0)
        return HR_ERROR(HR_EINVAL, "sw: viscosity = %g m^2/s must be finite and >= 0",
                        p->viscosity);
    if (!(p->cfl > 0 && p->cfl <= 1))
        return HR_ERROR(HR_EINVAL, "sw: cfl = %g must be in (0, 1]", p->cfl);
    if (!isfinite(p->dt) || p->dt < 0)
        return HR_ERROR(HR_EINVAL, "sw: dt = %g s must be finite and > 0 (or 0 for the "
                        "automatic step)", p->dt);
    if (p->precision != HR_SW_F64 && p->precision != HR_SW_F32)
        return HR_ERROR(HR_EINVAL, "sw: precision = %d is not a precision (allowed: %d f64, "
                        "%d f32)", (int)p->precision, HR_SW_F64, HR_SW_F32);
    if (p->threads < 0 || p->threads > 1024)
        return HR_ERROR(HR_EINVAL, "sw: threads = %d is outside [0, 1024] (0: the OpenMP "
                        "default)", p->threads);
    int nsides = p->ny == 1 ? 2 : 4;
    int any_sponge = 0;
    for (int k = 0; k < nsides; k++) {
        int b = (int)p->boundary[k];
        if (b != HR_SW_WALL && b != HR_SW_PERIODIC && b != HR_SW_SPONGE)
            return HR_ERROR(HR_EINVAL, "sw: boundary[%s] = %d is not a boundary (allowed: %d "
                            "wall, %d periodic, %d sponge)", side_names[k], b, HR_SW_WALL,
                            HR_SW_PERIODIC, HR_SW_SPONGE);
        any_sponge |= b == HR_SW_SPONGE;
    }
    for (int k = 0; k < nsides; k += 2)
        if ((p->boundary[k] == HR_SW_PERIODIC) != (p->boundary[k + 1] == HR_SW_PERIODIC))
            return HR_ERROR(HR_EINVAL, "sw: boundary[%s] is %s but boundary[%s] is %s: a "
                            "periodic side needs a periodic opposite side", side_names[k],
                            p->boundary[k] == HR_SW_PERIODIC ? "periodic" : "not periodic",
                            side_names[k + 1],
                            p->boundary[k + 1] == HR_SW_PERIODIC ? "periodic" : "not");
    if (any_sponge) {
        double dx = p->lx / p->nx, dy = p->ly / p->ny;
        if (!isfinite(p->sponge_width) || p->sponge_width <= 0)
            return HR_ERROR(HR_EINVAL, "sw: sponge_width = %g m must be finite and > 0 when a "
                            "side is a sponge", p->sponge_width);
        if (!isfinite(p->sponge_strength) || p->sponge_strength < 0)
            return HR_ERROR(HR_EINVAL, "sw: sponge_strength = %g 1/s must be finite and >= 0 "
                            "(0: automatic)", p->sponge_strength);
        for (int k = 0; k < nsides; k++) {
            if (p->boundary[k] != HR_SW_SPONGE)
                continue;
            double d = k < 2 ? dx : dy, len = k < 2 ? p->lx : p->ly;
            if (p->sponge_width < 2 * d || p->sponge_width > len / 2)
                return HR_ERROR(HR_EINVAL, "sw: sponge_width = %g m on the %s side is outside "
                                "[2 cells, half the tank] = [%g, %g] m", p->sponge_width,
                                side_names[k], 2 * d, len / 2);
        }
    }
    return HR_OK;
}

/* The cell (i, j) and its centre, for error messages. */
static int dry_error(const char *what, double H, int nx, int i, int j, double dx, double dy)
{
    (void)nx;
    if (!isfinite(H))
        return HR_ERROR(HR_EINVAL, "sw: %s gives the depth H = %g at cell (%d, %d), x = %g m, "
                        "y = %g m: it must be finite and > 0", what, H, i, j, (i + 0.5) * dx,
                        (j + 0.5) * dy);
    return HR_ERROR(HR_ERANGE, "sw: %s is dry at cell (%d, %d), x = %g m, y = %g m: H = %g m "
                    "<= 0 (dry cells are not supported: the still depth must be > 0 "
                    "everywhere)", what, i, j, (i + 0.5) * dx, (j + 0.5) * dy, H);
}

/* Builds the still depth (nx * ny doubles, malloc'd into *out). */
static int build_depth(const hr_sw_params *p, double **out)
{
    *out = NULL;
    const int nx = p->nx, ny = p->ny;
    const double dx = p->lx / nx, dy = p->ly / ny;
    size_t n = (size_t)nx * ny;
    double *H = NULL;
    int st = HR_OK;
    const char *what = "depth";

    switch (p->depth_kind) {
    case HR_SW_DEPTH_CONSTANT:
        if (!isfinite(p->depth) || p->depth <= 0)
            return HR_ERROR(HR_ERANGE, "sw: depth = %g m must be finite and > 0 (dry cells are "
                            "not supported)", p->depth);
        H = malloc(n * sizeof *H);
        if (!H)
            return HR_ERROR(HR_ENOMEM, "sw: out of memory for the depth (%zu cells)", n);
        for (size_t k = 0; k < n; k++)
            H[k] = p->depth;
        break;
    case HR_SW_DEPTH_FORMULA: {
        if (!p->depth_formula)
            return HR_ERROR(HR_EINVAL, "sw: depth_kind is formula but depth_formula is NULL");
        hr_sw_expr *e;
        st = hr_sw_expr_compile(&e, p->depth_formula);
        if (st)
            return hr_error_prefix(st, "sw: depth_formula \"%s\"", p->depth_formula);
        H = malloc(n * sizeof *H);
        if (!H) {
            hr_sw_expr_free(e);
            return HR_ERROR(HR_ENOMEM, "sw: out of memory for the depth (%zu cells)", n);
        }
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++)
                H[(size_t)j * nx + i] = hr_sw_expr_eval(e, (i + 0.5) * dx, (j + 0.5) * dy);
        hr_sw_expr_free(e);
        what = "depth_formula";
        break;
    }
    case HR_SW_DEPTH_ARRAY:
        if (!p->depth_array)
            return HR_ERROR(HR_EINVAL, "sw: depth_kind is array but depth_array is NULL");
        H = malloc(n * sizeof *H);
        if (!H)
            return HR_ERROR(HR_ENOMEM, "sw: out of memory for the depth (%zu cells)", n);
        memcpy(H, p->depth_array, n * sizeof *H);
        what = "depth_array";
        break;
    case HR_SW_DEPTH_CSV: {
        if (!p->depth_csv)
            return HR_ERROR(HR_EINVAL, "sw: depth_kind is csv but depth_csv is NULL");
        int cnx, cny;
        st = hr_sw_depth_from_csv(p->depth_csv, &H, &cnx, &cny);
        if (st)
            return st;
        if (cnx != nx || cny != ny) {
            free(H);
            return HR_ERROR(HR_EINVAL, "sw: depth_csv %s holds %d rows of %d values but the "
                            "grid is ny = %d rows of nx = %d cells", p->depth_csv, cny, cnx, ny,
                            nx);
        }
        what = "depth_csv";
        break;
    }
    default:
        return HR_ERROR(HR_EINVAL, "sw: depth_kind = %d is not a depth kind (allowed: %d "
                        "constant, %d formula, %d array, %d csv)", (int)p->depth_kind,
                        HR_SW_DEPTH_CONSTANT, HR_SW_DEPTH_FORMULA, HR_SW_DEPTH_ARRAY,
                        HR_SW_DEPTH_CSV);
    }
    for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++) {
            double h = H[(size_t)j * nx + i];
            if (!isfinite(h) || h <= 0) {
                free(H);
                return dry_error(what, h, nx, i, j, dx, dy);
            }
        }
    *out = H;
    return HR_OK;
}

/* Sponge damping rate at distance d from a sponge wall. */
static double sponge_rate(double d, double w, double smax)
{
    if (d >= w)
        return 0.0;
    double r = (w - d) / w;
    return smax * r * r;
}

/* Damping rates along one axis at faces (k * d) and centres ((k + 1/2) d). */
static void sponge_axis(int n, double d, double len, int lo_sponge, int hi_sponge, double w,
                        double smax, double *face, double *centre)
{
    for (int k = 0; k < n; k++) {
        double xf = k * d, xc = (k + 0.5) * d;
        double sf = 0, scn = 0;
        if (lo_sponge) {
            sf += sponge_rate(xf, w, smax);
            scn += sponge_rate(xc, w, smax);
        }
        if (hi_sponge) {
            sf += sponge_rate(len - xf, w, smax);
            scn += sponge_rate(len - xc, w, smax);
        }
        face[k] = sf;
        centre[k] = scn;
    }
}

/* The last-level cache of this machine, from sysfs (what the kernel was told;
 * glibc's sysconf reads cpuid, which in a VM may describe the host), or
 * HR_SW_PREFETCH_BYTES if unknown. */
static size_t llc_bytes(void)
{
    size_t bytes = HR_SW_PREFETCH_BYTES;
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r");
    if (f) {
        unsigned long v;
        char unit = 0;
        if (fscanf(f, "%lu%c", &v, &unit) >= 1 && v > 0)
            bytes = (size_t)v * (unit == 'K' ? 1024u : unit == 'M' ? 1048576u : 1u);
        fclose(f);
    }
    return bytes;
}

static void *alloc_aligned(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0)
        return NULL;
    return p;
}

int hr_sw_create(hr_sw **out, const hr_sw_params *p)
{
    if (!out)
        return HR_ERROR(HR_EINVAL, "sw_create: out is NULL");
    *out = NULL;
    if (!p)
        return HR_ERROR(HR_EINVAL, "sw_create: params is NULL");
    int st = check_params(p);
    if (st)
        return st;
    double *H;
    st = build_depth(p, &H);
    if (st)
        return st;

    hr_sw *s = calloc(1, sizeof *s);
    if (!s) {
        free(H);
        return HR_ERROR(HR_ENOMEM, "sw_create: out of memory");
    }
    s->p = *p;
    s->p.depth_formula = NULL;
    s->p.depth_array = NULL;
    s->p.depth_csv = NULL;
    s->k = p->precision == HR_SW_F32 ? &hr_sw__kernel_f32 : &hr_sw__kernel_f64;
    s->nx = p->nx;
    s->ny = p->ny;
    s->is2d = p->ny > 1;
    s->perx = p->boundary[HR_SW_WEST] == HR_SW_PERIODIC;
    s->pery = s->is2d && p->boundary[HR_SW_SOUTH] == HR_SW_PERIODIC;
    s->dx = p->lx / p->nx;
    s->dy = p->ly / p->ny;
    if (s->p.threads == 0)
        s->p.threads = omp_get_max_threads();
    if (s->p.threads < 1)
        s->p.threads = 1;
    s->min_cells = HR_SW_MIN_CELLS_PER_THREAD;

    /* Stability limit and step. */
    s->hmax = 0;
    for (size_t k = 0; k < (size_t)s->nx * s->ny; k++)
        s->hmax = H[k] > s->hmax ? H[k] : s->hmax;
    double inv2 = 1.0 / (s->dx * s->dx) + (s->is2d ? 1.0 / (s->dy * s->dy) : 0.0);
    s->kw = sqrt(inv2);
    double dt_wave = 1.0 / (sqrt(p->g * s->hmax) * s->kw);
    s->dt_visc = p->viscosity > 0 ? 1.0 / (2.0 * p->viscosity * inv2) : INFINITY;
    s->dt_limit = 1.0 / (1.0 / dt_wave + 1.0 / s->dt_visc);
    if (p->dt > s->dt_limit) {
        char grid[64];
        if (s->is2d)
            snprintf(grid, sizeof grid, "dx = %g m, dy = %g m", s->dx, s->dy);
        else
            snprintf(grid, sizeof grid, "dx = %g m", s->dx);
        double lim = s->dt_limit, c0 = sqrt(p->g * s->hmax);
        free(H);
        free(s);
        return HR_ERROR(HR_ERANGE, "sw: dt = %g s is past the stability limit %g s (allowed: "
                        "0 < dt <= %g s, or 0 for cfl times it; the limit is Courant number 1 "
                        "for the fastest linear wave sqrt(g Hmax) = %g m/s on %s%s)", p->dt,
                        lim, lim, c0, grid,
                        p->viscosity > 0 ? ", combined with the viscous limit" : "");
    }
    s->p.dt = p->dt > 0 ? p->dt : p->cfl * s->dt_limit;

    /* Sponges. */
    if (s->p.sponge_strength == 0)
        s->p.sponge_strength = 10.0 * sqrt(p->g * s->hmax) / p->sponge_width;
    s->sigx_u = calloc((size_t)s->nx, sizeof(double));
    s->sigx_c = calloc((size_t)s->nx, sizeof(double));
    s->sigy_v = calloc((size_t)s->ny, sizeof(double));
    s->sigy_c = calloc((size_t)s->ny, sizeof(double));
    s->fx_d = calloc(2 * (size_t)s->nx + 2 * (size_t)s->ny, sizeof(double));
    s->fx = alloc_aligned((2 * (size_t)s->nx + 2 * (size_t)s->ny) * s->k->size);
    s->stat = calloc((size_t)s->ny, sizeof *s->stat);
    s->check = calloc((size_t)s->ny, sizeof *s->check);

    /* Grid arrays: one block, each array padded to a page plus a stagger of
     * 7 cache lines so the streams of a sweep do not alias in the cache. */
    s->stride = ((ptrdiff_t)s->nx + HR_SW__OX + 2 + 15) / 16 * 16;
    s->origin = (ptrdiff_t)HR_SW__GY * s->stride + HR_SW__OX;
    s->nelem = (size_t)s->stride * (size_t)(s->ny + 2 * HR_SW__GY + 1);
    size_t abytes = (s->nelem * s->k->size + 4095) / 4096 * 4096 + 448;
    s->block = alloc_aligned(4 * abytes);
    /* Software prefetch pays off once the state no longer fits in the last
     * level cache (measured: +10..25% beyond it, -15..25% within it). */
    s->prefetch = 4 * abytes > llc_bytes();
    s->fused = 1;
    s->scratch_stride = (HR_SW__SCRATCH_ROWS * s->stride * (ptrdiff_t)s->k->size + 4095) /
                            4096 * 4096 / (ptrdiff_t)s->k->size + 64 / (ptrdiff_t)s->k->size;
    s->scratch = alloc_aligned((size_t)s->p.threads * (size_t)s->scratch_stride * s->k->size);
    if (!s->sigx_u || !s->sigx_c || !s->sigy_v || !s->sigy_c || !s->fx_d || !s->fx ||
        !s->stat || !s->check || !s->block || !s->scratch) {
        size_t bytes = 4 * abytes;
        free(H);
        hr_sw_destroy(s);
        return HR_ERROR(HR_ENOMEM, "sw_create: out of memory for a %d x %d grid (%zu bytes)",
                        p->nx, p->ny, bytes);
    }
    char *b = s->block;
    void **arrays[4] = {&s->H, &s->eta, &s->u, &s->v};
    for (int a = 0; a < 4; a++)
        *arrays[a] = b + (size_t)a * abytes;

    const double w = s->p.sponge_width, smax = s->p.sponge_strength;
    sponge_axis(s->nx, s->dx, p->lx, p->boundary[HR_SW_WEST] == HR_SW_SPONGE,
                p->boundary[HR_SW_EAST] == HR_SW_SPONGE, w, smax, s->sigx_u, s->sigx_c);
    if (s->is2d)
        sponge_axis(s->ny, s->dy, p->ly, p->boundary[HR_SW_SOUTH] == HR_SW_SPONGE,
                    p->boundary[HR_SW_NORTH] == HR_SW_SPONGE, w, smax, s->sigy_v, s->sigy_c);

    /* First touch: each thread zeroes the rows it will sweep. */
    const hr_sw__kernel *k = s->k;
#pragma omp parallel num_threads(s->p.threads)
    {
        int tid = omp_get_thread_num(), nth = omp_get_num_threads();
        int j0, j1;
        hr_sw__rows(s->ny, tid, nth, &j0, &j1);
        k->zero_rows(s, j0, j1, tid);
    }
    k->set_depth(s, H);
    free(H);
    *out = s;
    return HR_OK;
}

void hr_sw_destroy(hr_sw *s)
{
    if (!s)
        return;
    free(s->block);
    free(s->scratch);
    free(s->sigx_u);
    free(s->sigx_c);
    free(s->sigy_v);
    free(s->sigy_c);
    free(s->fx_d);
    free(s->fx);
    free(s->stat);
    free(s->check);
    free(s->mk.gx);
    free(s->mk.gy);
    free(s->mk.ilo);
    free(s->mk.ihi);
    free(s->mk.line);
    free(s->mk.row);
    free(s);
}

int hr_sw_nx(const hr_sw *s) { return s ? s->nx : 0; }
int hr_sw_ny(const hr_sw *s) { return s ? s->ny : 0; }
double hr_sw_dx(const hr_sw *s) { return s ? s->dx : 0.0; }
double hr_sw_dy(const hr_sw *s) { return s ? s->dy : 0.0; }
double hr_sw_dt(const hr_sw *s) { return s ? s->p.dt : 0.0; }
double hr_sw_dt_limit(const hr_sw *s) { return s ? s->dt_limit : 0.0; }
long long hr_sw_steps(const hr_sw *s) { return s ? s->steps : 0; }
int hr_sw_fused_width(enum hr_sw_precision prec)
{
    return prec == HR_SW_F32 ? hr_sw__kernel_f32.fused_width : hr_sw__kernel_f64.fused_width;
}

const char *hr_sw_kernel_name(void)
{
    /* AVX-512 vectors hold 8 doubles and 16 floats. */
    return hr_sw__kernel_f64.fused_width
               ? "fused AVX-512 row kernel, 8 cells per vector in f64, 16 in f32"
               : "portable loops (no AVX-512 in this build)";
}
double hr_sw_time(const hr_sw *s) { return s ? s->time : 0.0; }
int hr_sw_threads(const hr_sw *s) { return s ? s->p.threads : 0; }
const hr_sw_params *hr_sw_params_of(const hr_sw *s) { return s ? &s->p : NULL; }

int hr_sw_nout(double t_end, double dt_out)
{
    if (!isfinite(t_end) || !isfinite(dt_out) || t_end < 0 || dt_out <= 0)
        return 0;
    double m = floor(t_end / dt_out + 1e-9) + 1;
    return m > INT_MAX / 2 ? 0 : (int)m;
}

void hr_sw_get_state(const hr_sw *s, double *eta, double *u, double *v)
{
    if (s)
        s->k->get_state(s, eta, u, v);
}

void hr_sw_get_depth(const hr_sw *s, double *depth)
{
    if (!s || !depth)
        return;
    const int nx = s->nx;
    for (int j = 0; j < s->ny; j++)
        for (int i = 0; i < nx; i++) {
            ptrdiff_t o = s->origin + (ptrdiff_t)j * s->stride + i;
            depth[(size_t)j * nx + i] = s->k->size == sizeof(double) ? ((const double *)s->H)[o]
                                                                     : ((const float *)s->H)[o];
        }
}

static void sums(const hr_sw *s, double *mass, double *energy)
{
    double m = 0, e = 0;
    for (int j = 0; j < s->ny; j++) {
        double rm, re;
        s->k->row_sums(s, j, &rm, &re);
        m += rm;
        e += re;
    }
    *mass = m;
    *energy = e;
}

double hr_sw_mass(const hr_sw *s)
{
    if (!s)
        return 0.0;
    double m, e;
    sums(s, &m, &e);
    return m;
}

double hr_sw_energy(const hr_sw *s)
{
    if (!s)
        return 0.0;
    double m, e;
    sums(s, &m, &e);
    return e;
}

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
    if (!s)
        return HR_ERROR(HR_EINVAL, "sw_run: solver is NULL");
    if (!isfinite(t_end) || t_end < 0)
        return HR_ERROR(HR_EINVAL, "sw_run: t_end = %g s must be finite and >= 0", t_end);
    if (!isfinite(dt_out) || dt_out <= 0)
        return HR_ERROR(HR_EINVAL, "sw_run: dt_out = %g s must be finite and > 0", dt_out);
    if (t_end / dt_out > 1e9)
        return HR_ERROR(HR_EINVAL, "sw_run: t_end / dt_out = %g output samples is too many "
                        "(allowed: at most 1e9)", t_end / dt_out);
    if (nmakers < 0)
        return HR_ERROR(HR_EINVAL, "sw_run: nmakers = %d must be >= 0", nmakers);
    if (nmakers > 0 && (!makers || !signals))
        return HR_ERROR(HR_EINVAL, "sw_run: nmakers = %d but %s is NULL", nmakers,
                        !makers ? "makers" : "signals");
    if (nprobes < 0)
        return HR_ERROR(HR_EINVAL, "sw_run: nprobes = %d must be >= 0", nprobes);
    if (nprobes > 0 && (!probe_xy || !traces))
        return HR_ERROR(HR_EINVAL, "sw_run: nprobes = %d but %s is NULL", nprobes,
                        !probe_xy ? "probe_xy" : "traces");
    for (int p = 0; p < nprobes; p++) {
        double x = probe_xy[2 * p], y = probe_xy[2 * p + 1];
        if (!isfinite(x) || x < 0 || x > s->p.lx)
            return HR_ERROR(HR_EINVAL, "sw_run: probe %d at x = %g m is outside the tank "
                            "(allowed: 0 <= x <= lx = %g m)", p, x, s->p.lx);
        if (s->is2d && (!isfinite(y) || y < 0 || y > s->p.ly))
            return HR_ERROR(HR_EINVAL, "sw_run: probe %d at y = %g m is outside the tank "
                            "(allowed: 0 <= y <= ly = %g m)", p, y, s->p.ly);
    }
    for (int m = 0; m < nmakers; m++) {
        int st = hr_sw_signal_check(&signals[m], m);
        if (st)
            return hr_error_prefix(st, "sw_run");
    }
    if (init) {
        const size_t n = (size_t)s->nx * s->ny;
        const double *f[3] = {init->eta, init->u, s->is2d ? init->v : NULL};
        static const char *const fname[3] = {"eta", "u", "v"};
        for (int a = 0; a < 3; a++)
            for (size_t k = 0; f[a] && k < n; k++)
                if (!isfinite(f[a][k]))
                    return HR_ERROR(HR_EINVAL, "sw_run: initial %s at cell (%d, %d) is %g "
                                    "(must be finite)", fname[a], (int)(k % (size_t)s->nx),
                                    (int)(k / (size_t)s->nx), f[a][k]);
    }

    /* Steps: whole steps per output interval, so every output lands on a step. */
    const int nout = hr_sw_nout(t_end, dt_out);
    double sub = ceil(dt_out / s->p.dt - 1e-9);
    if (sub < 1)
        sub = 1;
    if (sub * (nout - 1) > HR_SW_MAX_STEPS || sub > INT_MAX)
        return HR_ERROR(HR_EINVAL, "sw_run: t_end = %g s at dt = %g s needs %g steps (allowed: "
                        "at most %g)", t_end, s->p.dt, sub * (nout - 1), HR_SW_MAX_STEPS);
    const int substeps = (int)sub;
    const long long nsteps = (long long)substeps * (nout - 1);
    const double h = dt_out / substeps;

    int st = setup_makers(s, nmakers, makers);
    if (st)
        return st;
    hr_sw__probe *pr = NULL;
    double *amp = malloc(((size_t)s->p.threads * (size_t)(nmakers + 1)) * sizeof *amp);
    if (nprobes > 0)
        pr = malloc((size_t)nprobes * sizeof *pr);
    if (!amp || (nprobes > 0 && !pr)) {
        free(amp);
        free(pr);
        return HR_ERROR(HR_ENOMEM, "sw_run: out of memory for the run workspace");
    }
    for (int p = 0; p < nprobes; p++)
        setup_probe(s, probe_xy[2 * p], probe_xy[2 * p + 1], &pr[p]);

    /* Constants of the step and the damping factors. */
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
    {
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
    for (int p = 0; p < nprobes; p++)
        traces[(size_t)p * nout] = s->k->probe(s, &pr[p]);

    /* The step loop. Per step: halo copies, barrier, sweep, barrier, ghost
     * rows, the screen and the outputs (master), and only if the screen
     * trips, the exact check. Blocks of at least 2 rows (so a halo never
     * includes a ghost row another thread is filling) and of min_cells cells
     * (below that the two barriers per step cost more than a thread gains,
     * and on a shared machine a descheduled thread stalls every step); 1D
     * runs on one thread. */
    const hr_sw__kernel *k = s->k;
    const int ny = s->ny;
    long long by_work = (long long)s->nx * ny / s->min_cells;
    int nthreads = s->p.threads;
    if (nthreads > ny / 2)
        nthreads = ny / 2;
    if (nthreads > by_work)
        nthreads = by_work < 1 ? 1 : (int)by_work;
    if (!s->is2d)
        nthreads = 1;
    long long steps_done = 0;
    int suspect = 0;
    run_barrier bar;
    atomic_init(&bar.sense, 0);
#pragma omp parallel num_threads(nthreads)
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
                a[m] = hr_sw_signal_eval(&signals[m], tm);
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
                        traces[(size_t)p * nout + kk] = k->probe(s, &pr[p]);
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
                    if (reduce_checks(s, s->check, &ctl)) {
                        ctl.stop = 1;
                        ctl.step = done;
                    }
                }
                barrier_wait(&bar, &my_sense);
                if (ctl.stop)
                    break;
            }
        }
#pragma omp master
        steps_done = ctl.stop ? ctl.step : nsteps;
    }
    s->steps = steps_done;
    s->time = steps_done * h;
    free(amp);
    free(pr);
    if (ctl.stop)
        return report_failure(s, &ctl);
    return HR_OK;
}
