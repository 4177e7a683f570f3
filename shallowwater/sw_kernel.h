/* sw_kernel.h — the shallow-water kernels, written once for a generic real
 * type. This file is a template, not an ordinary header: sw_k64.c and
 * sw_k32.c include it with SW_REAL (double / float) and SW_TABLE (the name of
 * the kernel table to define) set, so the float32 path is the same code
 * compiled separately. There is deliberately no include guard.
 *
 * # Equations
 *
 * With eta the surface elevation above the still level, H(x, y) > 0 the still
 * depth (stored apart from eta, so small waves keep their precision),
 * h = H + eta the total depth and (u, v) the depth-mean velocity:
 *
 *     eta_t + (h u)_x + (h v)_y = S(x, y, t)                  (continuity)
 *     u_t + u u_x + v u_y = -g eta_x - (r + sigma) u + nu lap u
 *     v_t + u v_x + v v_y = -g eta_y - (r + sigma) v + nu lap v
 *
 * with r the linear drag, sigma(x, y) >= 0 the sponge friction, nu the
 * lateral viscosity and S the wave makers' Gaussian mass sources.
 *
 * # Discretisation (Stelling & Duinmeijer 2003, explicit)
 *
 * Arakawa C-grid: eta and H at the cell centres ((i + 1/2) dx, (j + 1/2) dy),
 * u on the west faces (i dx, (j + 1/2) dy), v on the south faces. With
 * superscript n the time level and h the step:
 *
 * 1. Fluxes. The face depth is the mean still depth of the two cells plus the
 *    upwind eta (upwind with respect to the face velocity):
 *        qx_{i,j} = u_{i,j} ( (H_{i-1,j} + H_{i,j}) / 2 + eta_up ),
 *    likewise qy. Upwinding the depth keeps it positive and makes bores
 *    steepen correctly; for small waves it is the centred linear flux H u.
 * 2. Continuity in flux form (forward):
 *        eta^{n+1} = eta^n - h/dx (qx_{i+1} - qx_i) - h/dy (qy_{j+1} - qy_j)
 *                    + h S(t^n + h/2).
 *    The flux differences telescope, so the mass sum(eta) changes only by the
 *    sources and by round-off.
 * 3. Momentum (backward in eta: uses eta^{n+1}, so steps 2-3 are the
 *    forward-backward scheme, second order for linear waves, stable for
 *    sqrt(g H) h sqrt(1/dx^2 + 1/dy^2) <= 1). The advection is Stelling &
 *    Duinmeijer's momentum-conservative form: for u at face (i, j),
 *        u u_x + v u_y = [ (Qx u*)_x - u (Qx)_x + (Qy u*)_y - u (Qy)_y ] / hbar
 *    with Qx the x-flux averaged to the cell centres either side, Qy the
 *    y-flux averaged to the cell corners, u* the upwind u with respect to Q
 *    and hbar = (h_{i-1,j} + h_{i,j}) / 2 at time n+1. Written as
 *        [ min(Q_e, 0) (u_{i+1} - u_i) - max(Q_w, 0) (u_{i-1} - u_i) ] / dx
 *    plus the same in y, it is first-order upwind advection in which the
 *    discrete momentum h u is conserved (the continuity update, averaged to
 *    the face, is exactly what was subtracted), so bores and hydraulic jumps
 *    move at the speed the jump conditions give. v is treated the same way.
 * 4. Damping: drag and sponge friction are integrated exactly over the step,
 *        u^{n+1} = exp(-(r + sigma) h) (u^n - h [g eta_x + advection - nu lap u]),
 *    so a linear standing wave decays by exactly exp(-r t / 2). The factor is
 *    separable, exp(-(r + sigma_x) h) exp(-sigma_y h), and is 0 on wall faces,
 *    which keeps their normal velocity at 0.
 *
 * Boundaries are ghost cells: walls mirror eta, H and the tangential velocity
 * and negate the normal velocity (free slip); periodic sides copy across.
 *
 * # Layout and parallel sweep
 *
 * The state is updated in place: a step reads eta, u, v and H once and writes
 * eta, u, v back once, 7 words per cell update and no write-allocate traffic
 * (the lines written were just read). Each thread sweeps a contiguous block
 * of rows. For row j it computes, into thread-private scratch rows (kept in
 * L1/L2), the fluxes of row j and of the face row above and their averages;
 * then eta^{n+1} of row j (written in place: no later row of the sweep reads
 * the old eta of row j); then u^{n+1} of row j and v^{n+1} of the face below
 * it into scratch, written back one row later (row j + 1 still needs the old
 * u and v of row j). The first row of a block needs eta^{n+1} of the row
 * below: the thread computes it itself, privately, with the same code. The
 * rows next to a block that a neighbour overwrites are copied first (halo),
 * between the two barriers every step has anyway. Where the compiler targets
 * AVX-512, a 2D row runs through one fused vector loop instead (fused_row,
 * below), with the same arithmetic and the same results to the last bit. Every value therefore
 * comes out of the same arithmetic whatever the number of threads: the
 * results are bitwise independent of the thread count. */
#if !defined(SW_REAL) || !defined(SW_TABLE)
#error "sw_kernel.h is a template: define SW_REAL and SW_TABLE before including it"
#endif

#include <math.h>
#include <string.h>

#include "shallowwater/sw_internal.h"

typedef SW_REAL real;

#define AI static inline __attribute__((always_inline))
/* Software prefetch into L2 (the hardware prefetchers lose the streams at
 * every 4 KiB page and the sweep consumes new rows in bursts). */
#ifndef SW_PREFETCH_LOCALITY
#define SW_PREFETCH_LOCALITY 2
#endif
#define PREFETCH(p) __builtin_prefetch((p), 0, SW_PREFETCH_LOCALITY)
/* A loop over columns in chunks of 8 cache lines, prefetching two rows' worth
 * of each chunk before it (a prefetch inside the simd loop would stop it from
 * vectorising). Without `pref` (a grid that stays in cache) it is one chunk
 * and no prefetch. Opens "for (ib ...) {" with ib, ie in scope; CHUNKED_END
 * closes it. */
#define LINE ((int)(64 / sizeof(real)))
#define CHUNKED(p, q, lo, hi)                                                            \
    for (int ib = (lo), chunk = pref ? 8 * LINE : (hi) - (lo); ib < (hi); ib += chunk) {   \
        const int ie = ib + chunk < (hi) ? ib + chunk : (hi);                            \
        if (pref)                                                                        \
            for (int k = 0; k < chunk; k += LINE) {                                      \
                PREFETCH((p) + ib + k);                                                  \
                PREFETCH((q) + ib + k);                                                  \
            }
#define CHUNKED_END }

/* Column 0 of row j of grid array `a` (a void * base pointer). */
#define ROW(s, a, j) ((real *)(a) + (s)->origin + (ptrdiff_t)(j) * (s)->stride)
#define CROW(s, a, j) ((const real *)(a) + (s)->origin + (ptrdiff_t)(j) * (s)->stride)

/* ---- Boundary ghosts ---- */

/* Ghost columns of a row of a field centred in x (eta, H, v). */
static void xg_c(const hr_sw *s, real *r)
{
    const int nx = s->nx;
    if (s->perx) {
        r[-1] = r[nx - 1];
        r[-2] = r[nx - 2];
        r[nx] = r[0];
        r[nx + 1] = r[1];
    } else {
        r[-1] = r[0];
        r[-2] = r[1];
        r[nx] = r[nx - 1];
        r[nx + 1] = r[nx - 2];
    }
}

/* Ghost columns of a row of u (on x faces; face nx is a ghost: the east wall
 * or, periodic, face 0). */
static void xg_u(const hr_sw *s, real *r)
{
    const int nx = s->nx;
    if (s->perx) {
        r[nx] = r[0];
        r[nx + 1] = r[1];
        r[-1] = r[nx - 1];
        r[-2] = r[nx - 2];
    } else {
        r[0] = 0;
        r[nx] = 0;
        r[-1] = -r[1];
        r[-2] = -r[2];
        r[nx + 1] = -r[nx - 1];
    }
}

static void copy_row(const hr_sw *s, real *dst, const real *src, int negate)
{
    real *d = dst - HR_SW__OX;
    const real *q = src - HR_SW__OX;
    if (!negate) {
        memcpy(d, q, (size_t)s->stride * sizeof(real));
    } else {
        for (ptrdiff_t i = 0; i < s->stride; i++)
            d[i] = -q[i];
    }
}

/* Periodic ghost rows (any field: row j and face row j repeat every ny). */
static void periodic_rows(const hr_sw *s, void *a, int bottom, int top)
{
    const int ny = s->ny;
    if (bottom) {
        copy_row(s, ROW(s, a, -1), ROW(s, a, ny - 1), 0);
        copy_row(s, ROW(s, a, -2), ROW(s, a, ny - 2), 0);
    }
    if (top)
        for (int k = 0; k <= HR_SW__GY; k++)
            copy_row(s, ROW(s, a, ny + k), ROW(s, a, k), 0);
}

/* Ghost rows of a field centred in y (eta, u, H). */
static void yg_c(const hr_sw *s, void *a, int bottom, int top)
{
    const int ny = s->ny;
    if (!s->is2d) {
        if (bottom) {
            copy_row(s, ROW(s, a, -1), ROW(s, a, 0), 0);
            copy_row(s, ROW(s, a, -2), ROW(s, a, 0), 0);
        }
        if (top)
            for (int k = 1; k <= HR_SW__GY; k++)
                copy_row(s, ROW(s, a, k), ROW(s, a, 0), 0);
        return;
    }
    if (s->pery) {
        periodic_rows(s, a, bottom, top);
    } else {
        if (bottom) {
            copy_row(s, ROW(s, a, -1), ROW(s, a, 0), 0);
            copy_row(s, ROW(s, a, -2), ROW(s, a, 1), 0);
        }
        if (top) {
            copy_row(s, ROW(s, a, ny), ROW(s, a, ny - 1), 0);
            copy_row(s, ROW(s, a, ny + 1), ROW(s, a, ny - 2), 0);
            copy_row(s, ROW(s, a, ny + 2), ROW(s, a, ny - 3), 0);
        }
    }
}

/* Ghost rows of v (on y faces; face ny is a ghost). Nothing in 1D (v = 0). */
static void yg_v(const hr_sw *s, void *a, int bottom, int top)
{
    const int ny = s->ny;
    if (!s->is2d)
        return;
    if (s->pery) {
        periodic_rows(s, a, bottom, top);
    } else {
        if (bottom) {
            memset(ROW(s, a, 0) - HR_SW__OX, 0, (size_t)s->stride * sizeof(real));
            copy_row(s, ROW(s, a, -1), ROW(s, a, 1), 1);
            copy_row(s, ROW(s, a, -2), ROW(s, a, 2), 1);
        }
        if (top) {
            memset(ROW(s, a, ny) - HR_SW__OX, 0, (size_t)s->stride * sizeof(real));
            copy_row(s, ROW(s, a, ny + 1), ROW(s, a, ny - 1), 1);
            copy_row(s, ROW(s, a, ny + 2), ROW(s, a, ny - 2), 1);
        }
    }
}

static void ghost_rows(hr_sw *s, int bottom, int top)
{
    yg_c(s, s->eta, bottom, top);
    yg_c(s, s->u, bottom, top);
    yg_v(s, s->v, bottom, top);
}

/* ---- Setup ---- */

static void zero_rows(hr_sw *s, int j0, int j1, int tid)
{
    const size_t row_bytes = (size_t)s->stride * sizeof(real);
    real *sc = (real *)s->scratch + (ptrdiff_t)tid * s->scratch_stride;
    memset(sc, 0, (size_t)HR_SW__SCRATCH_ROWS * row_bytes);
    if (j0 >= j1)
        return;
    int lo = j0 == 0 ? -HR_SW__GY : j0;
    int hi = j1 == s->ny ? s->ny + HR_SW__GY + 1 : j1;
    void *arrays[4] = {s->H, s->eta, s->u, s->v};
    for (int a = 0; a < 4; a++)
        memset(ROW(s, arrays[a], lo) - HR_SW__OX, 0, (size_t)(hi - lo) * row_bytes);
}

static void set_depth(hr_sw *s, const double *H)
{
    for (int j = 0; j < s->ny; j++) {
        real *r = ROW(s, s->H, j);
        for (int i = 0; i < s->nx; i++)
            r[i] = (real)H[(size_t)j * s->nx + i];
        xg_c(s, r);
    }
    yg_c(s, s->H, 1, 1);
}

static void set_state(hr_sw *s, const hr_sw_state *init)
{
    const int nx = s->nx, ny = s->ny;
    for (int j = 0; j < ny; j++) {
        real *e = ROW(s, s->eta, j), *u = ROW(s, s->u, j), *v = ROW(s, s->v, j);
        for (int i = 0; i < nx; i++) {
            size_t k = (size_t)j * nx + i;
            e[i] = init && init->eta ? (real)init->eta[k] : 0;
            u[i] = init && init->u ? (real)init->u[k] : 0;
            v[i] = init && init->v && s->is2d ? (real)init->v[k] : 0;
        }
        if (!s->perx)
            u[0] = 0;
        if (j == 0 && !s->pery)
            for (int i = 0; i < nx; i++)
                v[i] = 0;
        xg_c(s, e);
        xg_u(s, u);
        if (s->is2d)
            xg_c(s, v);
    }
    ghost_rows(s, 1, 1);
}

static void get_state(const hr_sw *s, double *eta, double *u, double *v)
{
    const int nx = s->nx;
    for (int j = 0; j < s->ny; j++) {
        const real *e = CROW(s, s->eta, j), *ur = CROW(s, s->u, j), *vr = CROW(s, s->v, j);
        for (int i = 0; i < nx; i++) {
            size_t k = (size_t)j * nx + i;
            if (eta)
                eta[k] = e[i];
            if (u)
                u[k] = ur[i];
            if (v)
                v[k] = vr[i];
        }
    }
}

/* Damping factors: fxu, fxv (nx each), fyu, fyv (ny each), in that order. */
static void prepare(hr_sw *s)
{
    size_t n = 2 * (size_t)s->nx + 2 * (size_t)s->ny;
    real *f = s->fx;
    for (size_t k = 0; k < n; k++)
        f[k] = (real)s->fx_d[k];
}

/* ---- The step ---- */

/* Scratch rows of a thread (indices into its HR_SW__SCRATCH_ROWS rows). */
enum {
    SC_QX = 0,    /* 2: x-fluxes of rows j - 1, j */
    SC_QY = 2,    /* 2: y-fluxes of face rows j, j + 1 */
    SC_PC = 4,    /* 2: y-flux sums at the cell centres of rows j - 1, j */
    SC_QYC = 6,   /* 2: y-flux sums at the corners of face rows j, j + 1 */
    SC_QC = 8,    /* x-flux sums at the cell centres of row j */
    SC_XC = 9,    /* x-flux sums at the corners of face row j */
    SC_EP = 10,   /* eta^{n+1} of row j0 - 1 */
    SC_SRC = 11,  /* the source of the current row */
    SC_LSRC = 12, /* the line sources of this step (the same on every row) */
    SC_U = 13,    /* 2: new u of rows j - 1, j (before write-back) */
    SC_V = 15,    /* 2: new v of rows j - 1, j */
    SC_ZERO = 17, /* a row of zeros (the x-fluxes "below" the prologue row) */
    SC_HE = 18,   /* 3: old eta of rows j0 - 2, j0 - 1, j1 */
    SC_HU = 21,   /* 2: old u of rows j0 - 1, j1 */
    SC_HV = 23    /* 2: old v of rows j0 - 1, j1 */
};

static real *scratch_row(const hr_sw *s, int tid, int k)
{
    return (real *)s->scratch + (ptrdiff_t)tid * s->scratch_stride + (ptrdiff_t)k * s->stride +
           HR_SW__OX;
}

static void halo(hr_sw *s, int j0, int j1, int tid)
{
    if (!s->is2d || j0 >= j1)
        return;
    copy_row(s, scratch_row(s, tid, SC_HE), ROW(s, s->eta, j0 - 2), 0);
    copy_row(s, scratch_row(s, tid, SC_HE + 1), ROW(s, s->eta, j0 - 1), 0);
    copy_row(s, scratch_row(s, tid, SC_HE + 2), ROW(s, s->eta, j1), 0);
    copy_row(s, scratch_row(s, tid, SC_HU), ROW(s, s->u, j0 - 1), 0);
    copy_row(s, scratch_row(s, tid, SC_HU + 1), ROW(s, s->u, j1), 0);
    copy_row(s, scratch_row(s, tid, SC_HV), ROW(s, s->v, j0 - 1), 0);
    copy_row(s, scratch_row(s, tid, SC_HV + 1), ROW(s, s->v, j1), 0);
}

/* The line sources of this step, h sum_m s_m(t) gx_m, into lsrc; returns 0
 * (lsrc untouched) if there are none or all are off. */
static int line_sources(const hr_sw *s, const double *amp, real *restrict lsrc)
{
    const hr_sw__makers *mk = &s->mk;
    const int nx = s->nx;
    int any = 0;
    for (int m = 0; m < mk->n; m++) {
        if (!mk->line[m])
            continue;
        double c = s->c.h * amp[m];
        if (c == 0)
            continue;
        if (!any) {
            for (int i = 0; i < nx; i++)
                lsrc[i] = 0;
            any = 1;
        }
        const double *restrict gx = mk->gx + (size_t)m * nx;
        const int lo = mk->ilo[m], hi = mk->ihi[m];
#pragma omp simd
        for (int i = lo; i < hi; i++)
            lsrc[i] += (real)(c * gx[i]);
    }
    return any;
}

/* The source of row j (which may be a ghost row computed privately at a
 * block edge): the line sources plus the point makers reaching the row.
 * Returns NULL if there is none. */
static const real *row_source(const hr_sw *s, int j, const double *amp, const real *lsrc,
                              real *restrict src)
{
    const hr_sw__makers *mk = &s->mk;
    if (mk->n == mk->nline)
        return lsrc;
    int jj = j;
    if (j < 0 || j >= s->ny) {
        if (!s->pery)
            return lsrc;
        jj = ((j % s->ny) + s->ny) % s->ny;
    }
    if (!mk->row[jj])
        return lsrc;
    const int nx = s->nx, ny = s->ny;
    int any = 0;
    for (int m = 0; m < mk->n; m++) {
        if (mk->line[m])
            continue;
        double c = s->c.h * amp[m] * mk->gy[(size_t)m * ny + jj];
        if (c == 0)
            continue;
        if (!any) {
            if (lsrc)
                memcpy(src, lsrc, (size_t)nx * sizeof(real));
            else
                memset(src, 0, (size_t)nx * sizeof(real));
            any = 1;
        }
        const double *restrict gx = mk->gx + (size_t)m * nx;
        const int lo = mk->ilo[m], hi = mk->ihi[m];
#pragma omp simd
        for (int i = lo; i < hi; i++)
            src[i] += (real)(c * gx[i]);
    }
    return any ? src : lsrc;
}

/* qy on the face row between old eta rows es (below) and en (above), with v
 * of that face row, columns -1 .. nx. */
AI void qy_face(int nx, const real *restrict es, const real *restrict en,
                const real *restrict Hs, const real *restrict Hn, const real *restrict vf,
                real *restrict qy)
{
    const real half = (real)0.5;
#pragma omp simd
    for (int i = -1; i <= nx; i++) {
        real vv = vf[i];
        real a = es[i], b = en[i];
        real hy = half * (Hs[i] + Hn[i]) + (vv > 0 ? a : b);
        qy[i] = vv * hy;
    }
}

/* The loop bodies of the step, for column i, shared by the portable loops
 * below and the edge columns of the fused vector kernel (so both do the same
 * arithmetic in the same order, and agree to the last bit).
 *
 * FLUX2D: the fluxes of row j at column i: qx on its west face (from e, H, u
 * of row j) and qyn on the face above (from e, H of rows j, j + 1 and v of
 * face row j + 1), the corner sum xc = qxm + qx (qxm: x-fluxes of row j - 1)
 * and the centre sum pc = qys + qyn (qys: face row j). Both upwind
 * candidates are loaded unconditionally (a load inside the ?: becomes a
 * masked load). */
#define FLUX2D(i)                                                                        \
    do {                                                                                 \
        real uu = u[i];                                                                  \
        real ew = e[(i) - 1], ec = e[i], en1 = en[i];                                    \
        real hx = half * (H[(i) - 1] + H[i]) + (uu > 0 ? ew : ec);                       \
        real fx = uu * hx;                                                               \
        qx[i] = fx;                                                                      \
        xc[i] = qxm[i] + fx;                                                             \
        real vv = vn[i];                                                                 \
        real hy = half * (H[i] + Hn[i]) + (vv > 0 ? ec : en1);                           \
        real fy = vv * hy;                                                               \
        qyn[i] = fy;                                                                     \
        pc[i] = qys[i] + fy;                                                             \
    } while (0)
#define FLUX1D(i)                                                                        \
    do {                                                                                 \
        real uu = u[i];                                                                  \
        real ew = e[(i) - 1], ec = e[i];                                                 \
        real hx = half * (H[(i) - 1] + H[i]) + (uu > 0 ? ew : ec);                       \
        qx[i] = uu * hx;                                                                 \
    } while (0)
/* CONT2D: eta^{n+1} at column i (in place: reads and writes element i only),
 * the centre sum qc = qx_i + qx_{i+1} and the corner sum qycn = qyn_{i-1} +
 * qyn_i; SRC is 0 or 1 (a source row or none). */
#define CONT2D(i, SRC)                                                                   \
    do {                                                                                 \
        real en_ = e[i] - cx * (qx[(i) + 1] - qx[i]) - cy * (qyn[i] - qys[i]);           \
        E[i] = (SRC) ? en_ + src[i] : en_;                                               \
        qc[i] = qx[i] + qx[(i) + 1];                                                     \
        qycn[i] = qyn[(i) - 1] + qyn[i];                                                 \
    } while (0)
/* MOM_U2D, MOM_V2D: u^{n+1} at face (i, j) and v^{n+1} at face (i, j - 1/2),
 * with the row statistics (see momentum_row). */
#define MOM_U2D(i)                                                                       \
    do {                                                                                 \
        real hc = H[i] + E[i];                                                           \
        real su = (H[(i) - 1] + E[(i) - 1]) + hc; /* 2 hbar at the u face */             \
        real uc = u[i];                                                                  \
        real Qe = qc[i], Qw = qc[(i) - 1], Qn = qycn[i], Qs = qycs[i];                   \
        real adu = cx * ((Qe < zero ? Qe : zero) * (u[(i) + 1] - uc) -                   \
                         (Qw > zero ? Qw : zero) * (u[(i) - 1] - uc)) +                  \
                   cy * ((Qn < zero ? Qn : zero) * (un[i] - uc) -                        \
                         (Qs > zero ? Qs : zero) * (us[i] - uc));                        \
        real du = gx * (E[i] - E[(i) - 1]) + adu / su;                                   \
        if (visc)                                                                        \
            du -= nux * (u[(i) + 1] - two * uc + u[(i) - 1]) +                           \
                  nuy * (un[i] - two * uc + us[i]);                                      \
        real un1 = (fyu * fxu[i]) * (uc - du);                                           \
        U[i] = un1;                                                                      \
        hmn = hc < hmn ? hc : hmn;                                                       \
        hmx = hc > hmx ? hc : hmx;                                                       \
        real au = un1 < zero ? -un1 : un1;                                               \
        umx = au > umx ? au : umx;                                                       \
        /* 0 unless something is inf or NaN (a huge finite sum only triggers           \
         * the exact check). */                                                          \
        bad += (hc + un1) * zero;                                                        \
    } while (0)
#define MOM_V2D(i)                                                                       \
    do {                                                                                 \
        real sv = (Hs[i] + Em[i]) + (H[i] + E[i]); /* 2 hbar at the v face */            \
        real vc = v[i];                                                                  \
        real Pe = xc[(i) + 1], Pw = xc[i], Pn = pc[i], Ps = pcm[i];                      \
        real adv = cx * ((Pe < zero ? Pe : zero) * (v[(i) + 1] - vc) -                   \
                         (Pw > zero ? Pw : zero) * (v[(i) - 1] - vc)) +                  \
                   cy * ((Pn < zero ? Pn : zero) * (vn[i] - vc) -                        \
                         (Ps > zero ? Ps : zero) * (vs[i] - vc));                        \
        real dv = gy * (E[i] - Em[i]) + adv / sv;                                        \
        if (visc)                                                                        \
            dv -= nux * (v[(i) + 1] - two * vc + v[(i) - 1]) +                           \
                  nuy * (vn[i] - two * vc + vs[i]);                                      \
        real vn1 = (fyv * fxv[i]) * (vc - dv);                                           \
        V[i] = vn1;                                                                      \
        real av = vn1 < zero ? -vn1 : vn1;                                               \
        vmx = av > vmx ? av : vmx;                                                       \
        bad += vn1 * zero;                                                               \
    } while (0)

/* Fluxes of row j, columns -1 .. nx (FLUX2D, or FLUX1D: qx only). */
AI void flux_row(int nx, const real *restrict e, const real *restrict en,
                 const real *restrict H, const real *restrict Hn, const real *restrict u,
                 const real *restrict vn, const real *restrict qxm, const real *restrict qys,
                 real *restrict qx, real *restrict qyn, real *restrict xc, real *restrict pc,
                 const int is2d)
{
    const real half = (real)0.5;
    /* The loops run over the aligned columns 0 .. nx - 1 (a loop from -1
     * would make every access straddle cache lines) and the end columns -1
     * and nx are done apart, with the same arithmetic. */
    if (is2d) {
        FLUX2D(-1);
#pragma omp simd
        for (int i = 0; i < nx; i++)
            FLUX2D(i);
        FLUX2D(nx);
    } else {
        FLUX1D(-1);
#pragma omp simd
        for (int i = 0; i < nx; i++)
            FLUX1D(i);
        FLUX1D(nx);
    }
}

/* eta^{n+1} of a row from its old eta `e` into E (E may be e: in place; the
 * loop reads and writes element i only), then E's ghost columns; also the
 * centre sums qc = qx_i + qx_{i+1} (columns -1 .. nx-1) and, in 2D, the
 * corner sums qycn = qyn_{i-1} + qyn_i (columns 0 .. nx-1). */
AI void cont_row(const hr_sw *s, const real *e, const real *restrict qx,
                 const real *restrict qys, const real *restrict qyn, const real *restrict src,
                 real *E, real *restrict qc, real *restrict qycn, const int is2d)
{
    const real cx = (real)s->c.cx, cy = (real)s->c.cy;
    const int nx = s->nx;
    if (is2d && src) {
#pragma omp simd
        for (int i = 0; i < nx; i++)
            CONT2D(i, 1);
    } else if (is2d) {
#pragma omp simd
        for (int i = 0; i < nx; i++)
            CONT2D(i, 0);
    } else if (src) {
#pragma omp simd
        for (int i = 0; i < nx; i++) {
            E[i] = e[i] - cx * (qx[i + 1] - qx[i]) + src[i];
            qc[i] = qx[i] + qx[i + 1];
        }
    } else {
#pragma omp simd
        for (int i = 0; i < nx; i++) {
            E[i] = e[i] - cx * (qx[i + 1] - qx[i]);
            qc[i] = qx[i] + qx[i + 1];
        }
    }
    qc[-1] = qx[-1] + qx[0];
    xg_c(s, E);
}

/* The old state and new eta around row j, as row pointers. */
typedef struct rows3 {
    const real *us, *u, *un; /* old u of rows j - 1, j, j + 1 */
    const real *vs, *v, *vn; /* old v of face rows j - 1, j, j + 1 */
    const real *Hs, *H;      /* H of rows j - 1, j */
    const real *Em, *E;      /* new eta of rows j - 1, j */
} rows3;

/* Running row statistics (see hr_sw__rowstat). */
typedef struct rowacc {
    real hmn, hmx, umx, vmx, bad;
} rowacc;

static const rowacc rowacc0 = {(real)INFINITY, -(real)INFINITY, 0, 0, 0};

static void rowacc_store(const rowacc *a, hr_sw__rowstat *stat)
{
    stat->hmin = a->hmn;
    stat->hmax = a->hmx;
    stat->umax = a->umx;
    stat->vmax = a->vmx;
    stat->bad = a->bad;
}

/* The names the momentum bodies use, from the solver and row j. */
#define MOM_NAMES                                                                        \
    const real *restrict H = r->H, *restrict Hs = r->Hs;                                 \
    const real *restrict E = r->E, *restrict Em = r->Em;                                 \
    const real *restrict u = r->u, *restrict us = r->us, *restrict un = r->un;           \
    const real *restrict v = r->v, *restrict vs = r->vs, *restrict vn = r->vn;           \
    const real *restrict fxu = (const real *)s->fx;                                      \
    const real *restrict fxv = fxu + s->nx;                                              \
    const real fyu = ((const real *)s->fx)[2 * s->nx + j];                               \
    const real fyv = ((const real *)s->fx)[2 * s->nx + s->ny + j];                       \
    const real two = (real)2, zero = (real)0;                                            \
    const real cx = (real)s->c.cx, cy = (real)s->c.cy;                                   \
    const real gx = (real)s->c.gx, gy = (real)s->c.gy;                                   \
    const real nux = (real)s->c.nux, nuy = (real)s->c.nuy;                               \
    (void)Hs, (void)Em, (void)us, (void)un, (void)v, (void)vs, (void)vn, (void)fxv;      \
    (void)fyv, (void)cy, (void)gy, (void)nuy, (void)two, (void)nux

/* u^{n+1} of row j into U and (2D) v^{n+1} of its south faces into V, plus
 * the row's statistics, in 2D over columns [u0, u1) for u and [v0, v1) for
 * v. qc, qycs, qycn: x-flux centre sums of row j and y-flux corner sums of
 * face rows j, j + 1 (for u); pcm, pc, xc: y-flux centre sums of rows j - 1,
 * j and x-flux corner sums of face row j (for v). All the sums are twice the
 * averaged fluxes of the scheme, and the depths below are twice the face
 * depths, so the factors of 2 cancel exactly. */
AI void momentum_2d(const hr_sw *s, int j, const rows3 *r, const real *restrict qc,
                    const real *restrict qycs, const real *restrict qycn,
                    const real *restrict pcm, const real *restrict pc,
                    const real *restrict xc, real *restrict U, real *restrict V,
                    const real *const *pf, int u0, int u1, int v0, int v1, rowacc *acc,
                    const int visc, const int pref)
{
    MOM_NAMES;
    /* Rows to prefetch for the next iteration of the sweep (see sweep_impl). */
    const real *pf0 = pf[0], *pf1 = pf[1], *pf2 = pf[2], *pf3 = pf[3];
    real hmn = acc->hmn, hmx = acc->hmx, umx = acc->umx, vmx = acc->vmx, bad = acc->bad;
    /* u on the west faces and v on the south faces, in two loops (each with
     * few enough streams to stay in registers). */
    CHUNKED(pf0, pf1, u0, u1)
#pragma omp simd reduction(min : hmn) reduction(max : hmx, umx) reduction(+ : bad)
    for (int i = ib; i < ie; i++)
        MOM_U2D(i);
    CHUNKED_END
    CHUNKED(pf2, pf3, v0, v1)
#pragma omp simd reduction(max : vmx) reduction(+ : bad)
    for (int i = ib; i < ie; i++)
        MOM_V2D(i);
    CHUNKED_END
    *acc = (rowacc){hmn, hmx, umx, vmx, bad};
}

/* The whole of momentum in 2D (with the ghost columns) or in 1D. */
AI void momentum_row(const hr_sw *s, int j, const rows3 *r, const real *restrict qc,
                     const real *restrict qycs, const real *restrict qycn,
                     const real *restrict pcm, const real *restrict pc,
                     const real *restrict xc, real *restrict U, real *restrict V,
                     const real *const *pf, hr_sw__rowstat *restrict stat, const int is2d,
                     const int visc, const int pref)
{
    const int nx = s->nx;
    rowacc acc = rowacc0;
    if (is2d) {
        momentum_2d(s, j, r, qc, qycs, qycn, pcm, pc, xc, U, V, pf, 0, nx, 0, nx, &acc, visc,
                    pref);
        xg_u(s, U);
        xg_c(s, V);
    } else {
        MOM_NAMES;
        const real *pf0 = pf[0], *pf1 = pf[1];
        real hmn = acc.hmn, hmx = acc.hmx, umx = 0, bad = 0;
        CHUNKED(pf0, pf1, 0, nx)
#pragma omp simd reduction(min : hmn) reduction(max : hmx, umx) reduction(+ : bad)
        for (int i = ib; i < ie; i++) {
            real hc = H[i] + E[i];
            real su = (H[i - 1] + E[i - 1]) + hc;
            real uc = u[i];
            real Qe = qc[i], Qw = qc[i - 1];
            real adu = cx * ((Qe < zero ? Qe : zero) * (u[i + 1] - uc) -
                             (Qw > zero ? Qw : zero) * (u[i - 1] - uc));
            real du = gx * (E[i] - E[i - 1]) + adu / su;
            if (visc)
                du -= nux * (u[i + 1] - two * uc + u[i - 1]);
            real un1 = (fyu * fxu[i]) * (uc - du);
            U[i] = un1;

            hmn = hc < hmn ? hc : hmn;
            hmx = hc > hmx ? hc : hmx;
            real au = un1 < zero ? -un1 : un1;
            umx = au > umx ? au : umx;
            bad += (hc + un1) * zero;
        }
        CHUNKED_END
        acc = (rowacc){hmn, hmx, umx, 0, bad};
        xg_u(s, U);
    }
    rowacc_store(&acc, stat);
}

/* ---- The fused row (AVX-512): shallowwater/simd/sw_fused_avx512.h ---- */
#include "shallowwater/simd/sw_fused_avx512.h"

AI void sweep_impl(hr_sw *s, int j0, int j1, int tid, const double *amp, const int is2d,
                   const int visc, const int pref, const int fused)
{
    if (j0 >= j1)
        return;
    const int nx = s->nx;
#define SR(k) scratch_row(s, tid, (k))
    real *qxm = SR(SC_QX), *qx = SR(SC_QX + 1);
    real *qys = SR(SC_QY), *qyn = SR(SC_QY + 1);
    real *pcm = SR(SC_PC), *pc = SR(SC_PC + 1);
    real *qycs = SR(SC_QYC), *qycn = SR(SC_QYC + 1);
    real *qc = SR(SC_QC), *xc = SR(SC_XC), *Ep = SR(SC_EP);
    real *src = SR(SC_SRC), *lsrc = SR(SC_LSRC);
    real *Uo = SR(SC_U), *Un = SR(SC_U + 1), *Vo = SR(SC_V), *Vn = SR(SC_V + 1);
    real *t;
    const real *l = line_sources(s, amp, lsrc) ? lsrc : NULL;
    const real *Em = Ep;

    /* Old rows, from the arrays inside the block and from the halo copies
     * outside it (the neighbours are overwriting those). */
#define OLD_E(j) ((j) < j0 ? SR(SC_HE + 2 + (j) - j0) : (j) >= j1 ? SR(SC_HE + 2) : CROW(s, s->eta, (j)))
#define OLD_U(j) ((j) < j0 ? SR(SC_HU) : (j) >= j1 ? SR(SC_HU + 1) : CROW(s, s->u, (j)))
#define OLD_V(j) ((j) < j0 ? SR(SC_HV) : (j) >= j1 ? SR(SC_HV + 1) : CROW(s, s->v, (j)))

    if (is2d) {
        /* Prologue: row j0 - 1, privately: its y-fluxes below and above, its
         * x-fluxes, its centre sums and eta^{n+1}. */
        const int jp = j0 - 1;
        qy_face(nx, OLD_E(jp - 1), OLD_E(jp), CROW(s, s->H, jp - 1), CROW(s, s->H, jp),
                OLD_V(jp), qys);
        flux_row(nx, OLD_E(jp), OLD_E(jp + 1), CROW(s, s->H, jp), CROW(s, s->H, jp + 1),
                 OLD_U(jp), OLD_V(jp + 1), SR(SC_ZERO), qys, qx, qyn, xc, pc, 1);
        cont_row(s, OLD_E(jp), qx, qys, qyn, row_source(s, jp, amp, l, src), Ep, qc, qycn, 1);
        t = qxm, qxm = qx, qx = t;
        t = qys, qys = qyn, qyn = t;
        t = pcm, pcm = pc, pc = t;
        t = qycs, qycs = qycn, qycn = t;
    }
    for (int j = j0; j < j1; j++) {
        real *E = ROW(s, s->eta, j);
        const real *e = OLD_E(j);
        rows3 r = {OLD_U(j - 1), OLD_U(j), OLD_U(j + 1), OLD_V(j - 1), OLD_V(j), OLD_V(j + 1),
                   CROW(s, s->H, j - 1), CROW(s, s->H, j), Em, E};
        /* The next iteration first touches eta, H and v of row j + 2 and u of
         * row j + 2 (as the row above): fetch them while this row computes.
         * (Past the block they are a neighbour's or ghost rows: harmless.) */
        const real *pf[4] = {CROW(s, s->eta, j + 2), CROW(s, s->H, j + 2), CROW(s, s->v, j + 2),
                             CROW(s, s->u, j + 2)};
        if (!is2d)
            pf[0] = pf[1] = CROW(s, s->eta, j), pf[2] = pf[3] = CROW(s, s->H, j);
#ifdef SW_FUSED
        if (fused) {
            /* Row j - 1's new u, v are written back inside (the first row of
             * the block has none: Uo onto itself, which changes nothing). */
            real *Uw = j > j0 ? ROW(s, s->u, j - 1) : Uo;
            real *Vw = j > j0 ? ROW(s, s->v, j - 1) : Vo;
            fused_row(s, j, &r, e, OLD_E(j + 1), CROW(s, s->H, j + 1), qxm, qys,
                      row_source(s, j, amp, l, src), qx, qyn, xc, pc, pcm, qc, qycs, qycn, E,
                      Un, Vn, Uw, Vw, Uo, Vo, pf, &s->stat[j], visc, pref);
        } else
#endif
        {
            flux_row(nx, e, OLD_E(j + 1), CROW(s, s->H, j), CROW(s, s->H, j + 1), OLD_U(j),
                     OLD_V(j + 1), qxm, qys, qx, qyn, xc, pc, is2d);
            cont_row(s, e, qx, qys, qyn, row_source(s, j, amp, l, src), E, qc, qycn, is2d);
            momentum_row(s, j, &r, qc, qycs, qycn, pcm, pc, xc, Un, Vn, pf, &s->stat[j], is2d,
                         visc, pref);
        }
        /* Row j - 1 is no longer read: write its new u, v back. */
        if (j > j0 && !fused) {
            copy_row(s, ROW(s, s->u, j - 1), Uo, 0);
            if (is2d)
                copy_row(s, ROW(s, s->v, j - 1), Vo, 0);
        }
        t = qxm, qxm = qx, qx = t;
        t = qys, qys = qyn, qyn = t;
        t = pcm, pcm = pc, pc = t;
        t = qycs, qycs = qycn, qycn = t;
        t = Uo, Uo = Un, Un = t;
        t = Vo, Vo = Vn, Vn = t;
        Em = E;
    }
    copy_row(s, ROW(s, s->u, j1 - 1), Uo, 0);
    if (is2d)
        copy_row(s, ROW(s, s->v, j1 - 1), Vo, 0);
#undef OLD_E
#undef OLD_U
#undef OLD_V
#undef SR
}

static void sweep(hr_sw *s, int j0, int j1, int tid, const double *amp)
{
    const int visc = s->p.viscosity > 0, pref = s->prefetch;
#ifdef SW_FUSED
    const int fused = s->fused && s->is2d && s->nx >= SW_FUSED_MIN_VECTORS * VW;
#else
    const int fused = 0;
#endif
#define SWEEP(a, b, c)                                                                   \
    if (s->is2d == (a) && visc == (b) && pref == (c))                                    \
        sweep_impl(s, j0, j1, tid, amp, (a), (b), (c), fused);
    SWEEP(1, 0, 1) else SWEEP(1, 0, 0) else SWEEP(1, 1, 1) else SWEEP(1, 1, 0)
    else SWEEP(0, 0, 1) else SWEEP(0, 0, 0) else SWEEP(0, 1, 1) else SWEEP(0, 1, 0)
#undef SWEEP
}

/* ---- Checks and diagnostics ---- */

/* Courant number of cell (i, j): h (sqrt(g h) kw + max|u|/dx + max|v|/dy)
 * over the cell's faces, plus the viscous share h / dt_visc. */
static void check_rows(const hr_sw *s, int j0, int j1, hr_sw__rowcheck *out)
{
    const int nx = s->nx;
    const double g = s->c.g, kw = s->c.kw, cx = s->c.cx, cy = s->is2d ? s->c.cy : 0.0;
    const double h = s->c.h, vr = s->c.visc_rate;
    for (int j = j0; j < j1; j++) {
        const real *restrict e = CROW(s, s->eta, j);
        const real *restrict H = CROW(s, s->H, j);
        const real *restrict u = CROW(s, s->u, j);
        const real *restrict v = CROW(s, s->v, j);
        const real *restrict vn = CROW(s, s->v, j + 1);
        hr_sw__rowcheck *o = &out[j];
        o->nonfinite_i = o->hmin_i = o->cmax_i = -1;
        o->hmin = INFINITY;
        o->cmax = -1;
        o->speed = 0;
        for (int i = 0; i < nx; i++) {
            double ee = e[i], ua = fabs((double)u[i]), ub = fabs((double)u[i + 1]);
            double va = fabs((double)v[i]), vb = fabs((double)vn[i]);
            if (o->nonfinite_i < 0 && !(isfinite(ee) && isfinite(ua) && isfinite(ub) &&
                                        isfinite(va) && isfinite(vb)))
                o->nonfinite_i = i;
            double d = (double)H[i] + ee;
            if (d < o->hmin) {
                o->hmin = d;
                o->hmin_i = i;
            }
            double um = ua > ub ? ua : ub, vm = va > vb ? va : vb;
            double sp = sqrt(d > 0 ? g * d : 0.0);
            double c = sp * h * kw + cx * um + cy * vm + vr;
            if (c > o->cmax) {
                o->cmax = c;
                o->cmax_i = i;
                o->speed = sp + um + (s->is2d ? vm : 0.0);
            }
        }
    }
}

static double probe(const hr_sw *s, const hr_sw__probe *p)
{
    const real *e = (const real *)s->eta + s->origin;
    return p->w[0] * e[p->off[0]] + p->w[1] * e[p->off[1]] + p->w[2] * e[p->off[2]] +
           p->w[3] * e[p->off[3]];
}

static void row_sums(const hr_sw *s, int j, double *mass, double *energy)
{
    const int nx = s->nx;
    const real *e = CROW(s, s->eta, j), *H = CROW(s, s->H, j), *Hs = CROW(s, s->H, j - 1);
    const real *es = CROW(s, s->eta, j - 1);
    const real *u = CROW(s, s->u, j), *v = CROW(s, s->v, j);
    double m = 0, en = 0;
    for (int i = 0; i < nx; i++) {
        double ee = e[i];
        m += ee;
        en += 0.5 * s->p.g * ee * ee;
        double hu = 0.5 * (((double)H[i - 1] + e[i - 1]) + ((double)H[i] + ee));
        en += 0.5 * hu * (double)u[i] * u[i];
        if (s->is2d) {
            double hv = 0.5 * (((double)Hs[i] + es[i]) + ((double)H[i] + ee));
            en += 0.5 * hv * (double)v[i] * v[i];
        }
    }
    *mass = m * s->dx * s->dy;
    *energy = en * s->dx * s->dy;
}

const hr_sw__kernel SW_TABLE = {
    .name = sizeof(real) == 8 ? "f64" : "f32",
    .size = sizeof(real),
#ifdef SW_FUSED
    .fused_width = VW,
#else
    .fused_width = 0,
#endif
    .zero_rows = zero_rows,
    .set_depth = set_depth,
    .set_state = set_state,
    .get_state = get_state,
    .prepare = prepare,
    .halo = halo,
    .sweep = sweep,
    .ghost_rows = ghost_rows,
    .check_rows = check_rows,
    .probe = probe,
    .row_sums = row_sums,
};
