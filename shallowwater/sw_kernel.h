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
 * The state is double-buffered: a step reads (eta, u, v)^n and H and writes
 * (eta, u, v)^{n+1}, 7 arrays of 8 (or 4) bytes per cell update. Each thread
 * sweeps a contiguous block of rows; for row j it computes the flux rows it
 * needs into thread-private scratch rows (kept in L1/L2), eta^{n+1} of row j,
 * then u^{n+1} of row j and v^{n+1} of the face below it (which needs
 * eta^{n+1} of row j - 1: for the first row of a block the thread computes
 * that row itself, privately, with the same code). Every value therefore
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
        if (bottom) {
            copy_row(s, ROW(s, a, -1), ROW(s, a, ny - 1), 0);
            copy_row(s, ROW(s, a, -2), ROW(s, a, ny - 2), 0);
        }
        if (top) {
            copy_row(s, ROW(s, a, ny), ROW(s, a, 0), 0);
            copy_row(s, ROW(s, a, ny + 1), ROW(s, a, 1), 0);
            copy_row(s, ROW(s, a, ny + 2), ROW(s, a, 2), 0);
        }
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
        if (bottom) {
            copy_row(s, ROW(s, a, -1), ROW(s, a, ny - 1), 0);
            copy_row(s, ROW(s, a, -2), ROW(s, a, ny - 2), 0);
        }
        if (top) {
            copy_row(s, ROW(s, a, ny), ROW(s, a, 0), 0);
            copy_row(s, ROW(s, a, ny + 1), ROW(s, a, 1), 0);
            copy_row(s, ROW(s, a, ny + 2), ROW(s, a, 2), 0);
        }
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

static void ghost_rows(hr_sw *s, int buf, int bottom, int top)
{
    yg_c(s, s->eta[buf], bottom, top);
    yg_c(s, s->u[buf], bottom, top);
    yg_v(s, s->v[buf], bottom, top);
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
    void *arrays[7] = {s->H, s->eta[0], s->u[0], s->v[0], s->eta[1], s->u[1], s->v[1]};
    for (int a = 0; a < 7; a++)
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
    const int nx = s->nx, ny = s->ny, b = s->cur;
    for (int j = 0; j < ny; j++) {
        real *e = ROW(s, s->eta[b], j), *u = ROW(s, s->u[b], j), *v = ROW(s, s->v[b], j);
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
    ghost_rows(s, b, 1, 1);
}

static void get_state(const hr_sw *s, double *eta, double *u, double *v)
{
    const int nx = s->nx, b = s->cur;
    for (int j = 0; j < s->ny; j++) {
        const real *e = CROW(s, s->eta[b], j), *ur = CROW(s, s->u[b], j),
                   *vr = CROW(s, s->v[b], j);
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

/* The wave makers' source h S for row j (which may be a ghost row computed
 * privately at a block edge) into src; returns 0 (src untouched) if no maker
 * reaches the row. */
static int src_row(const hr_sw *s, int j, const double *amp, real *restrict src)
{
    const hr_sw__makers *mk = &s->mk;
    if (mk->n == 0)
        return 0;
    int jj = j;
    if (!s->is2d) {
        jj = 0;
    } else if (j < 0 || j >= s->ny) {
        if (!s->pery)
            return 0;
        jj = ((j % s->ny) + s->ny) % s->ny;
    }
    if (!mk->row[jj])
        return 0;
    const int nx = s->nx, ny = s->ny;
    for (int i = 0; i < nx; i++)
        src[i] = 0;
    for (int m = 0; m < mk->n; m++) {
        double c = s->c.h * amp[m] * mk->gy[(size_t)m * ny + jj];
        if (c == 0)
            continue;
        const double *gx = mk->gx + (size_t)m * nx;
        for (int i = mk->ilo[m]; i < mk->ihi[m]; i++)
            src[i] += (real)(c * gx[i]);
    }
    return 1;
}

/* qy on face row jf (between cell rows jf - 1 and jf), columns -1 .. nx. */
AI void qy_face(const hr_sw *s, int cur, int jf, real *restrict qy)
{
    const ptrdiff_t S = s->stride;
    const real *restrict es = CROW(s, s->eta[cur], jf - 1);
    const real *restrict en = es + S;
    const real *restrict Hs = CROW(s, s->H, jf - 1);
    const real *restrict Hn = Hs + S;
    const real *restrict vf = CROW(s, s->v[cur], jf);
    const real half = (real)0.5;
    const int nx = s->nx;
#pragma omp simd
    for (int i = -1; i <= nx; i++) {
        real vv = vf[i];
        real hy = half * (Hs[i] + Hn[i]) + (vv > 0 ? es[i] : en[i]);
        qy[i] = vv * hy;
    }
}

/* qx on the west faces of row j and qy on face row j + 1, columns -1 .. nx. */
AI void flux_row(const hr_sw *s, int cur, int j, real *restrict qx, real *restrict qyn,
                 const int is2d)
{
    const ptrdiff_t S = s->stride;
    const real *restrict e = CROW(s, s->eta[cur], j);
    const real *restrict en = e + S;
    const real *restrict H = CROW(s, s->H, j);
    const real *restrict Hn = H + S;
    const real *restrict u = CROW(s, s->u[cur], j);
    const real *restrict vn = CROW(s, s->v[cur], j + 1);
    const real half = (real)0.5;
    const int nx = s->nx;
    if (is2d) {
#pragma omp simd
        for (int i = -1; i <= nx; i++) {
            real uu = u[i];
            real hx = half * (H[i - 1] + H[i]) + (uu > 0 ? e[i - 1] : e[i]);
            qx[i] = uu * hx;
            real vv = vn[i];
            real hy = half * (H[i] + Hn[i]) + (vv > 0 ? e[i] : en[i]);
            qyn[i] = vv * hy;
        }
    } else {
#pragma omp simd
        for (int i = -1; i <= nx; i++) {
            real uu = u[i];
            real hx = half * (H[i - 1] + H[i]) + (uu > 0 ? e[i - 1] : e[i]);
            qx[i] = uu * hx;
        }
    }
}

/* eta^{n+1} of row j into E (then its ghost columns). */
AI void cont_row(const hr_sw *s, int cur, int j, const real *restrict qx,
                 const real *restrict qys, const real *restrict qyn, const real *restrict src,
                 real *restrict E, const int is2d, const int has_src)
{
    const real *restrict e = CROW(s, s->eta[cur], j);
    const real cx = (real)s->c.cx, cy = (real)s->c.cy;
    const int nx = s->nx;
#pragma omp simd
    for (int i = 0; i < nx; i++) {
        real d = e[i] - cx * (qx[i + 1] - qx[i]);
        if (is2d)
            d -= cy * (qyn[i] - qys[i]);
        if (has_src)
            d += src[i];
        E[i] = d;
    }
    xg_c(s, E);
}

/* u^{n+1} on the west faces of row j and (2D) v^{n+1} on its south faces.
 * qxm, qx0: x-fluxes of rows j - 1, j; qym, qys, qyn: y-fluxes of face rows
 * j - 1, j, j + 1; Em, E: eta^{n+1} of rows j - 1, j. */
AI void momentum_row(const hr_sw *s, int cur, int j, const real *restrict qxm,
                     const real *restrict qx0, const real *restrict qym,
                     const real *restrict qys, const real *restrict qyn,
                     const real *restrict Em, const real *restrict E, const int is2d,
                     const int visc, hr_sw__rowstat *restrict stat)
{
    const ptrdiff_t S = s->stride;
    const int nx = s->nx;
    const real *restrict H = CROW(s, s->H, j);
    const real *restrict Hs = H - S;
    const real *restrict u = CROW(s, s->u[cur], j);
    const real *restrict us = u - S;
    const real *restrict un = u + S;
    const real *restrict v = CROW(s, s->v[cur], j);
    const real *restrict vs = v - S;
    const real *restrict vn = v + S;
    real *restrict U = ROW(s, s->u[1 - cur], j);
    real *restrict V = ROW(s, s->v[1 - cur], j);
    const real *restrict fxu = (const real *)s->fx;
    const real *restrict fxv = fxu + nx;
    const real fyu = ((const real *)s->fx)[2 * nx + j];
    const real fyv = ((const real *)s->fx)[2 * nx + s->ny + j];
    const real half = (real)0.5, two = (real)2, zero = (real)0;
    const real cx = (real)s->c.cx, cy = (real)s->c.cy;
    const real gx = (real)s->c.gx, gy = (real)s->c.gy;
    const real nux = (real)s->c.nux, nuy = (real)s->c.nuy;
    /* Row statistics of the new state (see hr_sw__rowstat). */
    real hmn = (real)INFINITY, hmx = -(real)INFINITY, umx = 0, vmx = 0, bad = 0;

    if (is2d) {
#pragma omp simd reduction(min : hmn) reduction(max : hmx, umx, vmx) reduction(+ : bad)
        for (int i = 0; i < nx; i++) {
            /* u on the west face of cell (i, j) */
            real uc = u[i];
            real hc = H[i] + E[i];
            real hbu = half * ((H[i - 1] + E[i - 1]) + hc);
            real Qe = half * (qx0[i] + qx0[i + 1]);
            real Qw = half * (qx0[i - 1] + qx0[i]);
            real Qn = half * (qyn[i - 1] + qyn[i]);
            real Qs = half * (qys[i - 1] + qys[i]);
            real adv = cx * ((Qe < zero ? Qe : zero) * (u[i + 1] - uc) -
                             (Qw > zero ? Qw : zero) * (u[i - 1] - uc)) +
                       cy * ((Qn < zero ? Qn : zero) * (un[i] - uc) -
                             (Qs > zero ? Qs : zero) * (us[i] - uc));
            real du = gx * (E[i] - E[i - 1]) + adv / hbu;
            if (visc)
                du -= nux * (u[i + 1] - two * uc + u[i - 1]) + nuy * (un[i] - two * uc + us[i]);
            real un1 = (fyu * fxu[i]) * (uc - du);
            U[i] = un1;

            /* v on the south face of cell (i, j) */
            real vc = v[i];
            real hbv = half * ((Hs[i] + Em[i]) + hc);
            real Pn = half * (qys[i] + qyn[i]);
            real Ps = half * (qym[i] + qys[i]);
            real Pe = half * (qxm[i + 1] + qx0[i + 1]);
            real Pw = half * (qxm[i] + qx0[i]);
            real adv2 = cx * ((Pe < zero ? Pe : zero) * (v[i + 1] - vc) -
                              (Pw > zero ? Pw : zero) * (v[i - 1] - vc)) +
                        cy * ((Pn < zero ? Pn : zero) * (vn[i] - vc) -
                              (Ps > zero ? Ps : zero) * (vs[i] - vc));
            real dv = gy * (E[i] - Em[i]) + adv2 / hbv;
            if (visc)
                dv -= nux * (v[i + 1] - two * vc + v[i - 1]) + nuy * (vn[i] - two * vc + vs[i]);
            real vn1 = (fyv * fxv[i]) * (vc - dv);
            V[i] = vn1;

            hmn = hc < hmn ? hc : hmn;
            hmx = hc > hmx ? hc : hmx;
            real au = un1 < zero ? -un1 : un1, av = vn1 < zero ? -vn1 : vn1;
            umx = au > umx ? au : umx;
            vmx = av > vmx ? av : vmx;
            bad += hc * zero + un1 * zero + vn1 * zero;
        }
        xg_u(s, U);
        xg_c(s, V);
    } else {
#pragma omp simd reduction(min : hmn) reduction(max : hmx, umx) reduction(+ : bad)
        for (int i = 0; i < nx; i++) {
            real uc = u[i];
            real hc = H[i] + E[i];
            real hbu = half * ((H[i - 1] + E[i - 1]) + hc);
            real Qe = half * (qx0[i] + qx0[i + 1]);
            real Qw = half * (qx0[i - 1] + qx0[i]);
            real adv = cx * ((Qe < zero ? Qe : zero) * (u[i + 1] - uc) -
                             (Qw > zero ? Qw : zero) * (u[i - 1] - uc));
            real du = gx * (E[i] - E[i - 1]) + adv / hbu;
            if (visc)
                du -= nux * (u[i + 1] - two * uc + u[i - 1]);
            real un1 = (fyu * fxu[i]) * (uc - du);
            U[i] = un1;

            hmn = hc < hmn ? hc : hmn;
            hmx = hc > hmx ? hc : hmx;
            real au = un1 < zero ? -un1 : un1;
            umx = au > umx ? au : umx;
            bad += hc * zero + un1 * zero;
        }
        xg_u(s, U);
    }
    stat->hmin = hmn;
    stat->hmax = hmx;
    stat->umax = umx;
    stat->vmax = vmx;
    stat->bad = bad;
}

AI void sweep_impl(hr_sw *s, int cur, int j0, int j1, int tid, const double *amp,
                   const int is2d, const int visc)
{
    if (j0 >= j1)
        return;
    const ptrdiff_t S = s->stride;
    real *sc = (real *)s->scratch + (ptrdiff_t)tid * s->scratch_stride + HR_SW__OX;
    real *qxm = sc, *qx0 = sc + S;
    real *qym = sc + 2 * S, *qys = sc + 3 * S, *qyn = sc + 4 * S;
    real *Ep = sc + 5 * S, *src = sc + 6 * S;
    real *t;
    const real *Em = Ep;

    if (is2d) {
        /* Prologue: the y-flux below row j0 - 1 and eta^{n+1} of row j0 - 1
         * (privately: it belongs to the block below, or is a ghost row). */
        qy_face(s, cur, j0 - 1, qys);
        flux_row(s, cur, j0 - 1, qx0, qyn, 1);
        int hs = src_row(s, j0 - 1, amp, src);
        if (hs)
            cont_row(s, cur, j0 - 1, qx0, qys, qyn, src, Ep, 1, 1);
        else
            cont_row(s, cur, j0 - 1, qx0, qys, qyn, src, Ep, 1, 0);
        t = qxm, qxm = qx0, qx0 = t;
        t = qym, qym = qys, qys = qyn, qyn = t;
    }
    for (int j = j0; j < j1; j++) {
        real *E = ROW(s, s->eta[1 - cur], j);
        flux_row(s, cur, j, qx0, qyn, is2d);
        if (src_row(s, j, amp, src))
            cont_row(s, cur, j, qx0, qys, qyn, src, E, is2d, 1);
        else
            cont_row(s, cur, j, qx0, qys, qyn, src, E, is2d, 0);
        momentum_row(s, cur, j, qxm, qx0, qym, qys, qyn, Em, E, is2d, visc, &s->stat[j]);
        t = qxm, qxm = qx0, qx0 = t;
        t = qym, qym = qys, qys = qyn, qyn = t;
        Em = E;
    }
}

static void sweep(hr_sw *s, int cur, int j0, int j1, int tid, const double *amp)
{
    const int visc = s->p.viscosity > 0;
    if (s->is2d) {
        if (visc)
            sweep_impl(s, cur, j0, j1, tid, amp, 1, 1);
        else
            sweep_impl(s, cur, j0, j1, tid, amp, 1, 0);
    } else {
        if (visc)
            sweep_impl(s, cur, j0, j1, tid, amp, 0, 1);
        else
            sweep_impl(s, cur, j0, j1, tid, amp, 0, 0);
    }
}

/* ---- Checks and diagnostics ---- */

/* Courant number of cell (i, j): h (sqrt(g h) kw + max|u|/dx + max|v|/dy)
 * over the cell's faces, plus the viscous share h / dt_visc. */
static void check_rows(const hr_sw *s, int buf, int j0, int j1, hr_sw__rowcheck *out)
{
    const int nx = s->nx;
    const double g = s->c.g, kw = s->c.kw, cx = s->c.cx, cy = s->is2d ? s->c.cy : 0.0;
    const double h = s->c.h, vr = s->c.visc_rate;
    for (int j = j0; j < j1; j++) {
        const real *restrict e = CROW(s, s->eta[buf], j);
        const real *restrict H = CROW(s, s->H, j);
        const real *restrict u = CROW(s, s->u[buf], j);
        const real *restrict v = CROW(s, s->v[buf], j);
        const real *restrict vn = CROW(s, s->v[buf], j + 1);
        double bad = 0, hmin = INFINITY, cmax = 0;
        /* x * 0 is 0 for finite x and NaN otherwise, and never overflows. */
#pragma omp simd reduction(+ : bad) reduction(min : hmin) reduction(max : cmax)
        for (int i = 0; i < nx; i++) {
            double ee = e[i], ua = fabs((double)u[i]), ub = fabs((double)u[i + 1]);
            double va = fabs((double)v[i]), vb = fabs((double)vn[i]);
            bad += ee * 0.0 + ua * 0.0 + ub * 0.0 + va * 0.0 + vb * 0.0;
            double d = (double)H[i] + ee;
            hmin = d < hmin ? d : hmin;
            double c = sqrt(d > 0 ? g * d : 0.0) * h * kw + cx * (ua > ub ? ua : ub) +
                       cy * (va > vb ? va : vb) + vr;
            cmax = c > cmax ? c : cmax;
        }
        hr_sw__rowcheck *o = &out[j];
        o->nonfinite_i = -1;
        o->hmin = hmin;
        o->cmax = cmax;
        o->hmin_i = o->cmax_i = -1;
        o->speed = 0;
        if (bad == 0 && hmin > 0 && cmax <= 1)
            continue;
        /* Something is wrong in this row: find where (scalar, rare). */
        double best_h = INFINITY, best_c = -1;
        for (int i = 0; i < nx; i++) {
            double ee = e[i], ua = fabs((double)u[i]), ub = fabs((double)u[i + 1]);
            double va = fabs((double)v[i]), vb = fabs((double)vn[i]);
            if (o->nonfinite_i < 0 && !(isfinite(ee) && isfinite(ua) && isfinite(ub) &&
                                        isfinite(va) && isfinite(vb)))
                o->nonfinite_i = i;
            double d = (double)H[i] + ee;
            if (d < best_h) {
                best_h = d;
                o->hmin_i = i;
            }
            double sp = sqrt(d > 0 ? g * d : 0.0);
            double c = sp * h * kw + cx * (ua > ub ? ua : ub) + cy * (va > vb ? va : vb) + vr;
            if (c > best_c) {
                best_c = c;
                o->cmax_i = i;
                o->speed = sp + (ua > ub ? ua : ub) + (s->is2d ? (va > vb ? va : vb) : 0.0);
            }
        }
    }
}

static double probe(const hr_sw *s, int buf, const hr_sw__probe *p)
{
    const real *e = (const real *)s->eta[buf] + s->origin;
    return p->w[0] * e[p->off[0]] + p->w[1] * e[p->off[1]] + p->w[2] * e[p->off[2]] +
           p->w[3] * e[p->off[3]];
}

static void row_sums(const hr_sw *s, int j, double *mass, double *energy)
{
    const int nx = s->nx, b = s->cur;
    const real *e = CROW(s, s->eta[b], j), *H = CROW(s, s->H, j), *Hs = CROW(s, s->H, j - 1);
    const real *es = CROW(s, s->eta[b], j - 1);
    const real *u = CROW(s, s->u[b], j), *v = CROW(s, s->v[b], j);
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
    .zero_rows = zero_rows,
    .set_depth = set_depth,
    .set_state = set_state,
    .get_state = get_state,
    .prepare = prepare,
    .sweep = sweep,
    .ghost_rows = ghost_rows,
    .check_rows = check_rows,
    .probe = probe,
    .row_sums = row_sums,
};
