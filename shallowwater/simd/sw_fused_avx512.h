/* sw_fused_avx512.h — the tank's fused AVX-512 row kernel, kept apart from
 * the portable loops in the manner of FFTW's simd-support/: one file per
 * instruction set, included by shallowwater/sw_kernel.h (which defines
 * real, the loop-body macros FLUX2D, CONT2D, MOM_U2D, MOM_V2D it reuses for
 * the edge columns, and the row accessors) and compiled only where the
 * compiler targets AVX-512 (-march=native on such machines) unless
 * SW_NO_FUSED is defined. Without it, sw_kernel.h's portable loops run
 * alone; CI builds and tests both. Bitwise the same results as the loops
 * (tests/test_sw_api.c, test_fused_bitwise). No include guard: included once
 * per precision (sw_k64.c, sw_k32.c). */

/* ---- The fused row (AVX-512) ----
 *
 * The loops above pass a row's fluxes and their sums from one loop to the
 * next through scratch rows: 9 stores and about 55 loads (a third of them
 * straddling cache lines) per vector of cells, which makes the step
 * compute-bound. fused_row does
 * the fluxes, continuity and momentum of row j in one pass over the columns,
 * one vector of VW cells at a time: the fluxes run one vector ahead (the
 * continuity of vector b needs qx of the first column of vector b + VW), and
 * the -1 and +1 neighbours come from the vectors before and after in
 * registers (valign), not from unaligned loads. Only what the next row needs
 * is stored (qx, qyn, pc, qycn, the new eta, u and v). The arithmetic is that
 * of FLUX2D, CONT2D, MOM_U2D and MOM_V2D, term by term in the same order, so
 * the results are bitwise those of the portable loops (test_sw_api checks
 * this on every build that has the fused kernel). The edge columns run
 * through those bodies: the column -1 flux, the columns past the last whole
 * vector (nx mod VW of them), and u of the first vector, which
 * needs eta^{n+1} of the ghost column -1 (on a periodic side, eta^{n+1} of
 * column nx - 1: known only at the end of the row). The write-back of row
 * j - 1's new u and v also happens in the loop, vector by vector, just after
 * the old values there were read for the last time (instead of a row copy
 * afterwards). Measured on the 2026 development machine (Zen 5 at 4.1 GHz,
 * f64, the sweep alone): about 61 core cycles per 8-cell vector on a grid in
 * cache and 66-70 at 2048^2, against 75 and 87-92 for the portable loops. The
 * limit is then neither the arithmetic nor memory (see README, Results).
 * Build with -DSW_NO_FUSED to leave it out. */
#if defined(__AVX512F__) && !defined(SW_NO_FUSED)
#define SW_FUSED 1
/* The fused kernel needs at least this many vectors per row. */
#define SW_FUSED_MIN_VECTORS 4
#include <immintrin.h>
#ifdef SW_F32
typedef __m512 vreal;
#define VW 16
#define VCMP _mm512_cmp_ps_mask
#define V_(op) _mm512_##op##_ps
#define VSHL1(c, p)                                                                       \
    _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(c), _mm512_castps_si512(p), 15))
#define VSHR1(n, c)                                                                       \
    _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(n), _mm512_castps_si512(c), 1))
#else
typedef __m512d vreal;
#define VW 8
#define VCMP _mm512_cmp_pd_mask
#define V_(op) _mm512_##op##_pd
#define VSHL1(c, p)                                                                       \
    _mm512_castsi512_pd(_mm512_alignr_epi64(_mm512_castpd_si512(c), _mm512_castpd_si512(p), 7))
#define VSHR1(n, c)                                                                       \
    _mm512_castsi512_pd(_mm512_alignr_epi64(_mm512_castpd_si512(n), _mm512_castpd_si512(c), 1))
#endif
/* VSHL1(c, p): the vector one column to the left of c (p: the vector before
 * c); VSHR1(n, c): one column to the right (n: the vector after c). */
#define VLD(p) V_(loadu)(p)
#define VST(p, x) V_(storeu)((p), (x))
#define VADD(a, b) V_(add)((a), (b))
#define VSUB(a, b) V_(sub)((a), (b))
#define VMUL(a, b) V_(mul)((a), (b))
#define VDIV(a, b) V_(div)((a), (b))
/* VMIN(a, b) is a < b ? a : b and VMAX(a, b) is a > b ? a : b, exactly (also
 * for NaN and signed zeros), as the ?: of the loop bodies. */
#define VMIN(a, b) V_(min)((a), (b))
#define VMAX(a, b) V_(max)((a), (b))
#define VSET1(x) V_(set1)(x)
/* VGT0SEL(x, a, b): x > 0 ? a : b, lane by lane (false for NaN, as in C). */
#define VGT0SEL(x, a, b) V_(mask_blend)(VCMP((x), vzero, _CMP_GT_OQ), (b), (a))

/* The fluxes of the vector at column c (FLUX2D): stores qx, qyn, pc and
 * returns in F what the later stages of this vector and the next need from
 * registers (the rest they load again from L1: carrying it would spill).
 * ep, Hp: old eta and H of the vector before. */
typedef struct fvec {
    vreal u, e, H, qx, qyn, xc;
} fvec;

AI fvec fused_flux(int c, const real *e, const real *restrict en, const real *restrict H,
                   const real *restrict Hn, const real *restrict u, const real *restrict vn,
                   const real *restrict qxm, const real *restrict qys, real *restrict qx,
                   real *restrict qyn, real *restrict pc, vreal ep, vreal Hp)
{
    const vreal vzero = V_(setzero)(), half = VSET1((real)0.5);
    fvec F;
    F.u = VLD(u + c);
    F.e = VLD(e + c);
    F.H = VLD(H + c);
    vreal en1 = VLD(en + c), Hn1 = VLD(Hn + c);
    vreal vv = VLD(vn + c);
    vreal hx = VADD(VMUL(half, VADD(VSHL1(F.H, Hp), F.H)), VGT0SEL(F.u, VSHL1(F.e, ep), F.e));
    F.qx = VMUL(F.u, hx);
    VST(qx + c, F.qx);
    F.xc = VADD(VLD(qxm + c), F.qx);
    vreal hy = VADD(VMUL(half, VADD(F.H, Hn1)), VGT0SEL(vv, F.e, en1));
    F.qyn = VMUL(vv, hy);
    VST(qyn + c, F.qyn);
    VST(pc + c, VADD(VLD(qys + c), F.qyn));
    return F;
}

/* Row j of the 2D sweep, fused (see above); the arguments are those of
 * flux_row, cont_row and momentum_row. nx >= 4 VW. */
AI void fused_row(const hr_sw *s, int j, const rows3 *r, const real *e,
                  const real *restrict en, const real *restrict Hn, const real *restrict qxm,
                  const real *restrict qys, const real *restrict src, real *restrict qx,
                  real *restrict qyn, real *restrict xc, real *restrict pc,
                  const real *restrict pcm, real *restrict qc, const real *restrict qycs,
                  real *restrict qycn, real *E, real *restrict U, real *restrict V,
                  real *Uw, real *Vw, const real *Uo, const real *Vo,
                  const real *const *pf, hr_sw__rowstat *restrict stat, const int visc,
                  const int pref)
{
    const int nx = s->nx;
    const real *restrict H = r->H;
    const real *restrict Hs = r->Hs, *restrict Em = r->Em;
    /* us, vs: old rows j - 1 of u, v, which the write-back below overwrites
     * (Uw, Vw) just after reading them: not restrict. */
    const real *restrict u = r->u, *us = r->us, *restrict un = r->un;
    const real *restrict v = r->v, *vs = r->vs;
    const real *restrict fxu = (const real *)s->fx;
    const real *restrict fxv = fxu + nx;
    const vreal vzero = V_(setzero)();
    const vreal kfyu = VSET1(((const real *)s->fx)[2 * nx + j]);
    const vreal kfyv = VSET1(((const real *)s->fx)[2 * nx + s->ny + j]);
    const vreal ktwo = VSET1((real)2);
    const vreal kcx = VSET1((real)s->c.cx), kcy = VSET1((real)s->c.cy);
    const vreal kgx = VSET1((real)s->c.gx), kgy = VSET1((real)s->c.gy);
    const vreal knux = VSET1((real)s->c.nux), knuy = VSET1((real)s->c.nuy);
    vreal hmn = VSET1((real)INFINITY), hmx = VSET1(-(real)INFINITY), umx = vzero, vmx = vzero;
    vreal bad = vzero;

    /* Column -1 (FLUX2D writes xc too, which nothing reads there). */
    {
        const real half = (real)0.5;
        const real *restrict vn = r->vn;
        FLUX2D(-1);
    }
    /* The vectors before column 0: ghost columns of the old state, and the
     * column -1 flux just stored (only their last lane is used). */
    vreal uP = VLD(u - VW), vP = VLD(v - VW), qynP = VLD(qyn - VW), EP = vzero, qcP = vzero;
    fvec C = fused_flux(0, e, en, H, Hn, u, r->vn, qxm, qys, qx, qyn, pc, VLD(e - VW), VLD(H - VW));
    vreal HP = VLD(H - VW);
    vreal vC = VLD(v);
    int b = 0;
#define FUSED_ITER(WITH_U)                                                               \
    do {                                                                                 \
        fvec N = fused_flux(b + VW, e, en, H, Hn, u, r->vn, qxm, qys, qx, qyn, pc, C.e, C.H); \
        vreal vN = VLD(v + b + VW);                                                      \
        if (pref) {                                                                      \
            PREFETCH(pf[0] + b);                                                         \
            PREFETCH(pf[1] + b);                                                         \
            PREFETCH(pf[2] + b);                                                         \
            PREFETCH(pf[3] + b);                                                         \
        }                                                                                \
        /* Continuity (CONT2D). */                                                       \
        vreal qx1 = VSHR1(N.qx, C.qx);                                                   \
        vreal EC = VSUB(VSUB(C.e, VMUL(kcx, VSUB(qx1, C.qx))), VMUL(kcy, VSUB(C.qyn, VLD(qys + b)))); \
        if (src)                                                                         \
            EC = VADD(EC, VLD(src + b));                                                 \
        VST(E + b, EC);                                                                  \
        vreal qcC = VADD(C.qx, qx1);                                                     \
        vreal qycnC = VADD(VSHL1(C.qyn, qynP), C.qyn);                                   \
        VST(qycn + b, qycnC);                                                            \
        vreal hc = VADD(C.H, EC);                                                        \
        /* u (MOM_U2D); the first vector waits for E[-1]. */                             \
        if (WITH_U) {                                                                    \
            vreal Ew = VSHL1(EC, EP);                                                    \
            vreal su = VADD(VADD(VSHL1(C.H, HP), Ew), hc);                               \
            vreal uc = C.u, up = VSHR1(N.u, C.u), um = VSHL1(C.u, uP);                   \
            vreal unv = VLD(un + b), usv = VLD(us + b);                                  \
            vreal adu = VADD(VMUL(kcx, VSUB(VMUL(VMIN(qcC, vzero), VSUB(up, uc)),        \
                                     VMUL(VMAX(VSHL1(qcC, qcP), vzero), VSUB(um, uc)))), \
                         VMUL(kcy, VSUB(VMUL(VMIN(qycnC, vzero), VSUB(unv, uc)),         \
                                     VMUL(VMAX(VLD(qycs + b), vzero), VSUB(usv, uc))))); \
            vreal du = VADD(VMUL(kgx, VSUB(EC, Ew)), VDIV(adu, su));                     \
            if (visc)                                                                    \
                du = VSUB(du, VADD(VMUL(knux, VADD(VSUB(up, VMUL(ktwo, uc)), um)),       \
                                 VMUL(knuy, VADD(VSUB(unv, VMUL(ktwo, uc)), usv))));     \
            vreal un1 = VMUL(VMUL(kfyu, VLD(fxu + b)), VSUB(uc, du));                    \
            VST(U + b, un1);                                                             \
            hmn = VMIN(hc, hmn);                                                         \
            hmx = VMAX(hc, hmx);                                                         \
            umx = VMAX(V_(abs)(un1), umx);                                               \
            bad = VADD(bad, VMUL(VADD(hc, un1), vzero));                                 \
        }                                                                                \
        /* v (MOM_V2D). */                                                               \
        {                                                                                \
            vreal Emv = VLD(Em + b);                                                     \
            vreal sv = VADD(VADD(VLD(Hs + b), Emv), hc);                                 \
            vreal vc = vC, vp = VSHR1(vN, vC), vm = VSHL1(vC, vP);                       \
            vreal vsv = VLD(vs + b), vnv = VLD(r->vn + b);                               \
            vreal adv = VADD(VMUL(kcx, VSUB(VMUL(VMIN(VSHR1(N.xc, C.xc), vzero), VSUB(vp, vc)), \
                                     VMUL(VMAX(C.xc, vzero), VSUB(vm, vc)))),            \
                         VMUL(kcy, VSUB(VMUL(VMIN(VLD(pc + b), vzero), VSUB(vnv, vc)),         \
                                     VMUL(VMAX(VLD(pcm + b), vzero), VSUB(vsv, vc)))));  \
            vreal dv = VADD(VMUL(kgy, VSUB(EC, Emv)), VDIV(adv, sv));                    \
            if (visc)                                                                    \
                dv = VSUB(dv, VADD(VMUL(knux, VADD(VSUB(vp, VMUL(ktwo, vc)), vm)),       \
                                 VMUL(knuy, VADD(VSUB(vnv, VMUL(ktwo, vc)), vsv))));    \
            vreal vn1 = VMUL(VMUL(kfyv, VLD(fxv + b)), VSUB(vc, dv));                    \
            VST(V + b, vn1);                                                             \
            vmx = VMAX(V_(abs)(vn1), vmx);                                               \
            bad = VADD(bad, VMUL(vn1, vzero));                                           \
        }                                                                                \
        if (WITH_U) {                                                                    \
            VST(Uw + b, VLD(Uo + b));                                                    \
            VST(Vw + b, VLD(Vo + b));                                                    \
        }                                                                                \
        HP = C.H, uP = C.u, qynP = C.qyn, EP = EC, qcP = qcC;                            \
        vP = vC, vC = vN;                                                                \
        C = N;                                                                           \
    } while (0)
    /* The first vector (no u: it waits for E[-1]), then the rest. For the
     * last whole vector the fluxes one vector ahead read past column nx + 1
     * into the row's padding (only their first lane, column nx, is used); the
     * stride (sw.c: a multiple of 16 elements with room for two ghost
     * columns) always has room for that, and lim guards it. */
    const int lim = (int)(s->stride - HR_SW__OX);
    FUSED_ITER(0);
    for (b = VW; b + VW <= nx && b + 2 * VW <= lim; b += VW)
        FUSED_ITER(1);
#undef FUSED_ITER

    /* The rest through the loop bodies (b is at most VW - 1 short of nx): the
     * fluxes of columns b + VW .. nx (those of b .. b + VW - 1 are stored,
     * except xc, which only lived in a register), continuity of b .. nx - 1
     * (and qc of column b - 1), the ghost columns of E, then u of
     * 0 .. VW - 1 and u, v of b .. nx - 1. */
    rowacc acc = rowacc0;
    {
        const real half = (real)0.5;
        const real *restrict vn = r->vn;
#pragma omp simd
        for (int i = b + VW; i <= nx; i++)
            FLUX2D(i);
        const int xe = b + VW < nx + 1 ? b + VW : nx + 1;
#pragma omp simd
        for (int i = b; i < xe; i++)
            xc[i] = qxm[i] + qx[i];
        {
            const real cx = (real)s->c.cx, cy = (real)s->c.cy;
            if (src) {
#pragma omp simd
                for (int i = b; i < nx; i++)
                    CONT2D(i, 1);
            } else {
#pragma omp simd
                for (int i = b; i < nx; i++)
                    CONT2D(i, 0);
            }
        }
        qc[b - 1] = qx[b - 1] + qx[b];
        xg_c(s, E);
        const real *const nopf[4] = {NULL, NULL, NULL, NULL};
#pragma omp simd
        for (int i = -1; i < VW; i++)
            qc[i] = qx[i] + qx[i + 1];
        momentum_2d(s, j, r, qc, qycs, qycn, pcm, pc, xc, U, V, nopf, 0, VW, nx, nx, &acc, visc,
                    0);
        momentum_2d(s, j, r, qc, qycs, qycn, pcm, pc, xc, U, V, nopf, b, nx, b, nx, &acc, visc,
                    0);
    }
    xg_u(s, U);
    xg_c(s, V);
    /* Row j - 1's new u, v: the loop wrote columns VW .. b - 1 back. */
    if (Uw != Uo) {
        const size_t lo = (size_t)(HR_SW__OX + VW), hi = (size_t)(s->stride - HR_SW__OX - b);
        memcpy(Uw - HR_SW__OX, Uo - HR_SW__OX, lo * sizeof(real));
        memcpy(Vw - HR_SW__OX, Vo - HR_SW__OX, lo * sizeof(real));
        memcpy(Uw + b, Uo + b, hi * sizeof(real));
        memcpy(Vw + b, Vo + b, hi * sizeof(real));
    }
    /* Fold the vector statistics in (min and max are exact in any order;
     * bad is a sum of zeros unless something is not finite). */
    real lane[VW];
#define FOLD(x, op)                                                                      \
    do {                                                                                 \
        VST(lane, (x));                                                                   \
        for (int k = 0; k < VW; k++)                                                      \
            acc.x = op;                                                                  \
    } while (0)
    FOLD(hmn, lane[k] < acc.hmn ? lane[k] : acc.hmn);
    FOLD(hmx, lane[k] > acc.hmx ? lane[k] : acc.hmx);
    FOLD(umx, lane[k] > acc.umx ? lane[k] : acc.umx);
    FOLD(vmx, lane[k] > acc.vmx ? lane[k] : acc.vmx);
    FOLD(bad, acc.bad + lane[k]);
#undef FOLD
    rowacc_store(&acc, stat);
}
#undef V_
#undef VLD
#undef VST
#undef VADD
#undef VSUB
#undef VMUL
#undef VDIV
#undef VMIN
#undef VMAX
#undef VSET1
#undef VSHL1
#undef VSHR1
#undef VGT0SEL
#undef VCMP
#endif /* AVX-512 */
