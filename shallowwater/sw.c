/* sw.c — the shallow-water solver object: parameters and their checks, the
 * bathymetry, the sponge profiles and the stable step, state access and
 * diagnostics. Runs (forcing, probes, the step loop) are in sw_run.c; the
 * equations and the scheme in sw_kernel.h.
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
/* State size above which the sweep prefetches rows (see sw_kernel.h) when
 * the last-level cache size is unknown. */
#define HR_SW_PREFETCH_BYTES (32L << 20)
/* Fewest cells a thread gets in a run (a 128 x 128 block). */
#define HR_SW_MIN_CELLS_PER_THREAD 16384

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

