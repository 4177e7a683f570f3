/* design.c — D-optimal readout design (see design.h for the problem).
 *
 * Notation: a block c is the q columns x_{c,p} (p in Q) of candidate time c;
 * S the chosen blocks, K = |S| q, G_S = X_S^T X_S + lambda I (K x K).
 *
 * Greedy (block pivoted Cholesky). With G_S = L L^T, every unchosen block
 * keeps W_c = L^{-1} X_S^T X_c (K x q) and its Schur complement
 *     S_c = X_c^T X_c + lambda I - W_c^T W_c,
 * and det(G_{S+c}) = det(G_S) det(S_c) (the matrix determinant lemma in
 * block form), so the gain of c is log det S_c. Adding c* with
 * S_{c*} = L_b L_b^T appends the rows V_c = L_b^{-1} (X_{c*}^T X_c -
 * W_{c*}^T W_c) to every W_c and updates S_c -= V_c^T V_c: a rank-q update,
 * O(q^2 (m + K)) per block and step, no determinant recomputed.
 *
 * Exchange (Fedorov 1972). With A = G_S^{-1}, for a chosen block s (rows I_s
 * of A) and an unchosen c, P_c = X_S^T X_c, U = A P_c,
 * D_c = X_c^T X_c + lambda I - P_c^T U:
 *     det(G_{S-s+c}) / det(G_S) = det(A_ss) det(D_c + U_s^T A_ss^{-1} U_s)
 * (block inverse and Schur complements; for q = 1 it is Fedorov's
 * delta = A_ss d_c + u_s^2). The best swap of all (s, c) is made while it
 * raises f by more than 1e-10; A is then refactored from scratch (Cholesky)
 * rather than updated, which costs O(K^3) per swap and keeps round-off from
 * accumulating over many swaps.
 *
 * Anneal: replica-exchange Metropolis (Swendsen and Wang 1986; Geyer 1991)
 * on f at temperatures T_r = t_hi (t_lo / t_hi)^(r / (R - 1)): a move swaps a
 * chosen time for an unchosen one (or, choosing probes, a probe), accepted
 * with probability min(1, exp((f' - f) / T_r)); after each sweep neighbour
 * replicas (even pairs on even sweeps, odd on odd) exchange states with
 * probability min(1, exp((f_j - f_i)(1/T_i - 1/T_j))). With one replica the
 * temperature falls geometrically from t_hi to t_lo (simulated annealing).
 * f is evaluated directly (Cholesky of the K x K Gram matrix). */
#include "reservoir/design.h"
#include "base/clock.h"
#include "base/status.h"
#include "evolve/rng.h"
#include "reservoir/readout.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Column p of block c. */
static const double *col(const hr_design_problem *pr, int c, int p)
{
    return pr->x + ((size_t)c * (size_t)pr->nprobes + (size_t)p) * (size_t)pr->m;
}

static double dot(const double *a, const double *b, int m)
{
    double s = 0;
    for (int r = 0; r < m; r++)
        s += a[r] * b[r];
    return s;
}

/* In place Cholesky of the n x n row-major a (lower triangle used); returns
 * log det a, or -INFINITY if a is not positive definite (GSL's test) or
 * numerically singular: a pivot L_ii^2 below 1e-12 of a_ii, i.e. a column
 * of X whose part independent of the others is below 1e-6 of its norm, as
 * far as a Gram matrix can resolve (its round-off is 1e-16 of a_ii). */
#define PIVOT_MIN 1e-12
static double chol_logdet(double *a, int n)
{
    double diag[HR_DESIGN_MAX_COLS];
    for (int i = 0; i < n; i++)
        diag[i] = a[(size_t)i * (size_t)n + (size_t)i];
    gsl_matrix_view v = gsl_matrix_view_array(a, (size_t)n, (size_t)n);
    if (gsl_linalg_cholesky_decomp1(&v.matrix) != GSL_SUCCESS)
        return -INFINITY;
    double ld = 0;
    for (int i = 0; i < n; i++) {
        double d = a[(size_t)i * (size_t)n + (size_t)i];
        if (!(d > 0) || !isfinite(d) || !(d * d >= PIVOT_MIN * diag[i]))
            return -INFINITY;
        ld += 2 * log(d);
    }
    return ld;
}

static int int_cmp(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    return (a > b) - (a < b);
}

static int check_problem(const hr_design_problem *pr, int k, const int *probes, int q)
{
    if (!pr || !pr->x || pr->m < 1 || pr->ncand < 1 || pr->nprobes < 1 ||
        pr->nprobes > HR_DESIGN_MAX_PROBES || !(pr->lambda >= 0) || !isfinite(pr->lambda))
        return HR_ERROR(HR_EINVAL, "design: bad problem (rows %d, candidates %d, probes %d "
                        "(allowed 1 .. %d), lambda %g (allowed >= 0))",
                        pr ? pr->m : 0, pr ? pr->ncand : 0, pr ? pr->nprobes : 0,
                        HR_DESIGN_MAX_PROBES, pr ? pr->lambda : NAN);
    if (k < 1 || k > pr->ncand || k > HR_DESIGN_MAX_K)
        return HR_ERROR(HR_EINVAL, "design: %d readout times to choose (allowed: 1 .. %d, the "
                        "candidates, at most %d)", k, pr->ncand, HR_DESIGN_MAX_K);
    if (q < 1 || q > pr->nprobes)
        return HR_ERROR(HR_EINVAL, "design: %d probes (allowed: 1 .. %d)", q, pr->nprobes);
    for (int i = 0; probes && i < q; i++)
        if (probes[i] < 0 || probes[i] >= pr->nprobes)
            return HR_ERROR(HR_EINVAL, "design: probe %d out of range (allowed: 0 .. %d)",
                            probes[i], pr->nprobes - 1);
    if ((long)k * q > HR_DESIGN_MAX_COLS)
        return HR_ERROR(HR_EINVAL, "design: %d times x %d probes = %d columns (allowed: at most "
                        "%d)", k, q, k * q, HR_DESIGN_MAX_COLS);
    if (pr->lambda == 0 && (long)k * q > pr->m)
        return HR_ERROR(HR_EINVAL, "design: %d times x %d probes = %d columns for %d rows: "
                        "X^T X is singular (allowed: at most %d columns, or lambda > 0, e.g. "
                        "fitness logdet_gram)", k, q, k * q, pr->m, pr->m);
    return HR_OK;
}

/* The probe list: `probes` or all. */
static void probe_list(const hr_design_problem *pr, const int *probes, int q, int *out)
{
    for (int i = 0; i < q; i++)
        out[i] = probes ? probes[i] : i;
}

/* f for blocks times[0..k) and probes Q[0..q), with a K x K workspace. */
static double logdet_ws(const hr_design_problem *pr, const int *times, int k, const int *Q, int q,
                        double *ws)
{
    int K = k * q;
    for (int a = 0; a < K; a++) {
        const double *xa = col(pr, times[a / q], Q[a % q]);
        for (int b = 0; b <= a; b++) {
            double v = dot(xa, col(pr, times[b / q], Q[b % q]), pr->m);
            if (a == b)
                v += pr->lambda;
            ws[(size_t)a * (size_t)K + (size_t)b] = v;
            ws[(size_t)b * (size_t)K + (size_t)a] = v;
        }
    }
    return chol_logdet(ws, K);
}

int hr_design_logdet(const hr_design_problem *pr, const int *times, int k, const int *probes,
                     int q, double *value)
{
    *value = -INFINITY;
    int st = check_problem(pr, k, probes, q);
    if (st)
        return st;
    for (int i = 0; i < k; i++)
        if (times[i] < 0 || times[i] >= pr->ncand)
            return HR_ERROR(HR_EINVAL, "design: time index %d out of range (allowed: 0 .. %d)",
                            times[i], pr->ncand - 1);
    int Q[HR_DESIGN_MAX_PROBES];
    probe_list(pr, probes, q, Q);
    double *ws = malloc((size_t)k * (size_t)q * (size_t)k * (size_t)q * sizeof *ws);
    if (!ws)
        return HR_ERROR(HR_ENOMEM, "design: out of memory");
    *value = logdet_ws(pr, times, k, Q, q, ws);
    free(ws);
    if (*value == -INFINITY)
        return HR_ERROR(HR_ESINGULAR, "design: X^T X + lambda I of the %d chosen times is not "
                        "positive definite (singular X)", k);
    return HR_OK;
}

/* Sorts and stores the choice, recomputes f from scratch. */
static int finish(const hr_design_problem *pr, const int *times, int k, const int *Q, int q,
                  hr_design_result *out)
{
    out->k = k;
    out->q = q;
    memcpy(out->times, times, (size_t)k * sizeof *times);
    memcpy(out->probes, Q, (size_t)q * sizeof *Q);
    qsort(out->times, (size_t)k, sizeof *out->times, int_cmp);
    qsort(out->probes, (size_t)q, sizeof *out->probes, int_cmp);
    return hr_design_logdet(pr, out->times, k, out->probes, q, &out->value);
}

int hr_design_greedy(const hr_design_problem *pr, int k, const int *probes, int q,
                     hr_design_result *out)
{
    double t0 = hr_now();
    memset(out, 0, sizeof *out);
    int st = check_problem(pr, k, probes, q);
    if (st)
        return st;
    int Q[HR_DESIGN_MAX_PROBES];
    probe_list(pr, probes, q, Q);
    size_t N = (size_t)pr->ncand, Kmax = (size_t)k * (size_t)q, qq = (size_t)q * (size_t)q;
    double *W = malloc(N * Kmax * (size_t)q * sizeof *W); /* W_c: Kmax x q, row-major */
    double *S = malloc(N * qq * sizeof *S);               /* S_c: q x q */
    double *base = malloc(N * sizeof *base);              /* log det(X_c^T X_c + lambda I) */
    double *tmp = malloc((qq + qq + qq) * sizeof *tmp);
    unsigned char *chosen = calloc(N, 1);
    int times[HR_DESIGN_MAX_K];
    if (!W || !S || !base || !tmp || !chosen) {
        st = HR_ERROR(HR_ENOMEM, "design: out of memory for %zu candidates", N);
        goto done;
    }
    for (size_t c = 0; c < N; c++)
        for (int i = 0; i < q; i++)
            for (int j = 0; j < q; j++)
                S[c * qq + (size_t)(i * q + j)] =
                    dot(col(pr, (int)c, Q[i]), col(pr, (int)c, Q[j]), pr->m) +
                    (i == j ? pr->lambda : 0);
    double *Lb = tmp, *B = tmp + qq, *E = tmp + 2 * qq;
    for (size_t c = 0; c < N; c++) {
        memcpy(E, S + c * qq, qq * sizeof *E);
        base[c] = chol_logdet(E, q);
    }
    for (int step = 0; step < k; step++) {
        size_t K = (size_t)step * (size_t)q;
        int best = -1;
        double gain = -INFINITY;
        for (size_t c = 0; c < N; c++) {
            if (chosen[c])
                continue;
            memcpy(E, S + c * qq, qq * sizeof *E);
            double g = chol_logdet(E, q);
            out->evaluations++;
            /* Numerically dependent on the chosen ones: the Schur complement
             * is below 1e-12 of X_c^T X_c per column (a residual below 1e-6
             * of the column's norm), which the Gram-based update cannot tell
             * from the round-off of its subtraction. */
            if (!(g - base[c] >= q * log(PIVOT_MIN)))
                g = -INFINITY;
            if (g > gain) {
                gain = g;
                best = (int)c;
            }
        }
        if (best < 0 || !isfinite(gain)) {
            st = HR_ERROR(HR_ESINGULAR, "design: after %d readout times no candidate adds a "
                          "linearly independent column (the traces span fewer than %d "
                          "dimensions over the %d rows)", step, k * q, pr->m);
            goto done;
        }
        /* L_b = chol(S_best). */
        memcpy(Lb, S + (size_t)best * qq, qq * sizeof *Lb);
        gsl_matrix_view lv = gsl_matrix_view_array(Lb, (size_t)q, (size_t)q);
        gsl_linalg_cholesky_decomp1(&lv.matrix);
        const double *Wb = W + (size_t)best * Kmax * (size_t)q;
        for (size_t c = 0; c < N; c++) {
            if (chosen[c] || (int)c == best)
                continue;
            double *Wc = W + c * Kmax * (size_t)q;
            /* B = X_best^T X_c - W_best^T W_c (q x q). */
            for (int i = 0; i < q; i++)
                for (int j = 0; j < q; j++) {
                    double v = dot(col(pr, best, Q[i]), col(pr, (int)c, Q[j]), pr->m);
                    for (size_t r = 0; r < K; r++)
                        v -= Wb[r * (size_t)q + (size_t)i] * Wc[r * (size_t)q + (size_t)j];
                    B[i * q + j] = v;
                }
            /* V = L_b^{-1} B by forward substitution, column by column. */
            for (int j = 0; j < q; j++)
                for (int i = 0; i < q; i++) {
                    double v = B[i * q + j];
                    for (int l = 0; l < i; l++)
                        v -= Lb[i * q + l] * B[l * q + j];
                    B[i * q + j] = v / Lb[i * q + i];
                }
            for (int i = 0; i < q; i++)
                for (int j = 0; j < q; j++)
                    Wc[(K + (size_t)i) * (size_t)q + (size_t)j] = B[i * q + j];
            /* S_c -= V^T V. */
            for (int i = 0; i < q; i++)
                for (int j = 0; j < q; j++) {
                    double v = 0;
                    for (int l = 0; l < q; l++)
                        v += B[l * q + i] * B[l * q + j];
                    S[c * qq + (size_t)(i * q + j)] -= v;
                }
        }
        chosen[best] = 1;
        times[step] = best;
        out->gains[step] = gain;
        out->moves++;
    }
    st = finish(pr, times, k, Q, q, out);
done:
    free(W);
    free(S);
    free(base);
    free(tmp);
    free(chosen);
    out->seconds = hr_now() - t0;
    return st;
}

/* A = (X_S^T X_S + lambda I)^{-1} into A (K x K); HR_ESINGULAR. */
static int inverse_gram(const hr_design_problem *pr, const int *times, int k, const int *Q, int q,
                        double *A)
{
    int K = k * q;
    if (logdet_ws(pr, times, k, Q, q, A) == -INFINITY)
        return HR_ERROR(HR_ESINGULAR, "design: the chosen readout times give a singular X");
    gsl_matrix_view v = gsl_matrix_view_array(A, (size_t)K, (size_t)K);
    if (gsl_linalg_cholesky_invert(&v.matrix) != GSL_SUCCESS)
        return HR_ERROR(HR_ESINGULAR, "design: the chosen readout times give a singular X");
    return HR_OK;
}

/* Scratch of the swap table. */
struct swap_ws {
    double *A, *Ainv, *ldA, *P, *U, *D;
};

static void swap_ws_free(struct swap_ws *w)
{
    free(w->A);
    free(w->Ainv);
    free(w->ldA);
    free(w->P);
    free(w->U);
    free(w->D);
}

static int swap_ws_alloc(struct swap_ws *w, int k, int q)
{
    size_t K = (size_t)k * (size_t)q, qq = (size_t)q * (size_t)q;
    w->A = malloc(K * K * sizeof(double));
    w->Ainv = malloc((size_t)k * qq * sizeof(double));
    w->ldA = malloc((size_t)k * sizeof(double));
    w->P = malloc(K * (size_t)q * sizeof(double));
    w->U = malloc(K * (size_t)q * sizeof(double));
    w->D = malloc(3 * qq * sizeof(double));
    if (!w->A || !w->Ainv || !w->ldA || !w->P || !w->U || !w->D) {
        swap_ws_free(w);
        return HR_ERROR(HR_ENOMEM, "design: out of memory");
    }
    return HR_OK;
}

/* ratio[s * N + c] = f(S - s + c) - f(S) for chosen position s and
 * candidate c not in S (-INFINITY for c in S or a singular result), by the
 * closed form of the file's header. HR_ESINGULAR if G_S is singular. */
static int swap_table(const hr_design_problem *pr, const int *times, int k, const int *Q, int q,
                      const unsigned char *in, struct swap_ws *w, double *ratio, long *evals)
{
    size_t N = (size_t)pr->ncand, K = (size_t)k * (size_t)q, qq = (size_t)q * (size_t)q;
    double *A = w->A, *P = w->P, *U = w->U, *D = w->D, *E = w->D + qq, *T = w->D + 2 * qq;
    int st = inverse_gram(pr, times, k, Q, q, A);
    if (st)
        return st;
    for (int s = 0; s < k; s++) {
        double *Ai = w->Ainv + (size_t)s * qq;
        for (int i = 0; i < q; i++)
            for (int j = 0; j < q; j++)
                Ai[i * q + j] = A[((size_t)s * q + (size_t)i) * K + (size_t)s * q + (size_t)j];
        memcpy(T, Ai, qq * sizeof *T);
        w->ldA[s] = chol_logdet(T, q);
        gsl_matrix_view v = gsl_matrix_view_array(Ai, (size_t)q, (size_t)q);
        gsl_linalg_cholesky_decomp1(&v.matrix);
        gsl_linalg_cholesky_invert(&v.matrix);
    }
    for (size_t c = 0; c < N; c++) {
        if (in[c]) {
            for (int s = 0; s < k; s++)
                ratio[(size_t)s * N + c] = -INFINITY;
            continue;
        }
        /* P = X_S^T X_c, U = A P, D = X_c^T X_c + lambda I - P^T U. */
        for (size_t a = 0; a < K; a++)
            for (int j = 0; j < q; j++)
                P[a * (size_t)q + (size_t)j] = dot(col(pr, times[a / (size_t)q], Q[a % (size_t)q]),
                                                   col(pr, (int)c, Q[j]), pr->m);
        for (size_t a = 0; a < K; a++)
            for (int j = 0; j < q; j++) {
                double v = 0;
                for (size_t b = 0; b < K; b++)
                    v += A[a * K + b] * P[b * (size_t)q + (size_t)j];
                U[a * (size_t)q + (size_t)j] = v;
            }
        for (int i = 0; i < q; i++)
            for (int j = 0; j < q; j++) {
                double v = dot(col(pr, (int)c, Q[i]), col(pr, (int)c, Q[j]), pr->m) +
                           (i == j ? pr->lambda : 0);
                for (size_t a = 0; a < K; a++)
                    v -= P[a * (size_t)q + (size_t)i] * U[a * (size_t)q + (size_t)j];
                D[i * q + j] = v;
            }
        for (int s = 0; s < k; s++) {
            const double *Ai = w->Ainv + (size_t)s * qq, *Us = U + (size_t)s * qq;
            /* E = D + Us^T Ai Us. */
            for (int i = 0; i < q; i++)
                for (int j = 0; j < q; j++) {
                    double v = D[i * q + j];
                    for (int a = 0; a < q; a++)
                        for (int b = 0; b < q; b++)
                            v += Us[a * q + i] * Ai[a * q + b] * Us[b * q + j];
                    E[i * q + j] = v;
                }
            ratio[(size_t)s * N + c] = w->ldA[s] + chol_logdet(E, q);
            (*evals)++;
        }
    }
    return HR_OK;
}

/* Marks the chosen times in `in`; HR_EINVAL unless k distinct valid ones. */
static int mark_times(const hr_design_problem *pr, const int *times, int k, unsigned char *in)
{
    memset(in, 0, (size_t)pr->ncand);
    for (int i = 0; i < k; i++) {
        if (times[i] < 0 || times[i] >= pr->ncand || in[times[i]])
            return HR_ERROR(HR_EINVAL, "design: %d distinct readout times in 0 .. %d needed",
                            k, pr->ncand - 1);
        in[times[i]] = 1;
    }
    return HR_OK;
}

int hr_design_swap_table(const hr_design_problem *pr, const int *times, int k, const int *probes,
                         int q, double *ratio)
{
    int st = check_problem(pr, k, probes, q);
    if (st)
        return st;
    int Q[HR_DESIGN_MAX_PROBES];
    probe_list(pr, probes, q, Q);
    unsigned char *in = malloc((size_t)pr->ncand);
    struct swap_ws w = {0};
    long evals = 0;
    if (!in)
        return HR_ERROR(HR_ENOMEM, "design: out of memory");
    st = mark_times(pr, times, k, in);
    if (!st)
        st = swap_ws_alloc(&w, k, q);
    if (!st)
        st = swap_table(pr, times, k, Q, q, in, &w, ratio, &evals);
    swap_ws_free(&w);
    free(in);
    return st;
}

int hr_design_exchange(const hr_design_problem *pr, hr_design_result *out, long max_swaps)
{
    double t0 = hr_now();
    int k = out->k, q = out->q > 0 ? out->q : pr->nprobes;
    int st = check_problem(pr, k, out->q > 0 ? out->probes : NULL, q);
    if (st)
        return st;
    int Q[HR_DESIGN_MAX_PROBES], times[HR_DESIGN_MAX_K];
    probe_list(pr, out->q > 0 ? out->probes : NULL, q, Q);
    memcpy(times, out->times, (size_t)k * sizeof *times);
    size_t N = (size_t)pr->ncand;
    unsigned char *in = malloc(N);
    double *ratio = malloc((size_t)k * N * sizeof *ratio);
    struct swap_ws w = {0};
    if (!in || !ratio) {
        st = HR_ERROR(HR_ENOMEM, "design: out of memory");
        goto done;
    }
    if ((st = mark_times(pr, times, k, in)) || (st = swap_ws_alloc(&w, k, q)))
        goto done;
    if (max_swaps <= 0)
        max_swaps = (long)N * k;
    long swaps = 0;
    for (;;) {
        if ((st = swap_table(pr, times, k, Q, q, in, &w, ratio, &out->evaluations)))
            goto done;
        double best = 1e-10;
        int bs = -1, bc = -1;
        for (int s = 0; s < k; s++)
            for (size_t c = 0; c < N; c++)
                if (ratio[(size_t)s * N + c] > best) {
                    best = ratio[(size_t)s * N + c];
                    bs = s;
                    bc = (int)c;
                }
        if (bs < 0 || swaps >= max_swaps)
            break;
        in[times[bs]] = 0;
        in[bc] = 1;
        times[bs] = bc;
        swaps++;
    }
    out->moves += swaps;
    st = finish(pr, times, k, Q, q, out);
done:
    free(in);
    free(ratio);
    swap_ws_free(&w);
    out->seconds += hr_now() - t0;
    return st;
}

int hr_design_search(const hr_design_problem *pr, int k, const int *probes, int q, int starts,
                     uint64_t seed, hr_design_result *out)
{
    double t0 = hr_now();
    if (starts < 1)
        return HR_ERROR(HR_EINVAL, "design: %d starts (allowed: >= 1)", starts);
    int st = hr_design_greedy(pr, k, probes, q, out);
    if (!st)
        st = hr_design_exchange(pr, out, 0);
    if (st)
        return st;
    int *perm = malloc((size_t)pr->ncand * sizeof *perm);
    if (!perm)
        return HR_ERROR(HR_ENOMEM, "design: out of memory");
    for (int s = 1; s < starts; s++) {
        hr_design_result r = *out;
        hr_evo_rng rng;
        hr_evo_rng_stream(&rng, seed, (uint64_t)s, 0);
        for (int i = 0; i < pr->ncand; i++)
            perm[i] = i;
        for (int i = 0; i < k; i++) {
            int j = i + (int)hr_evo_rng_below(&rng, (uint64_t)(pr->ncand - i)), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
            r.times[i] = perm[i];
        }
        r.evaluations = r.moves = 0;
        r.seconds = 0;
        int rs = hr_design_exchange(pr, &r, 0);
        out->evaluations += r.evaluations;
        out->moves += r.moves;
        if (rs == HR_ESINGULAR)
            continue; /* a singular random start: the next one */
        if (rs) {
            free(perm);
            return rs;
        }
        if (r.value > out->value + 1e-12) {
            memcpy(out->times, r.times, sizeof out->times);
            out->value = r.value;
        }
    }
    hr_error_clear();
    free(perm);
    out->seconds = hr_now() - t0;
    return HR_OK;
}

/* One replica of the annealer. */
struct replica {
    int times[HR_DESIGN_MAX_K];
    int probes[HR_DESIGN_MAX_PROBES];
    double f;
};

/* A uniformly random k-subset of [0, n) into v (partial Fisher-Yates on a
 * scratch permutation). */
static void random_subset(hr_evo_rng *r, int n, int k, int *v, int *perm)
{
    for (int i = 0; i < n; i++)
        perm[i] = i;
    for (int i = 0; i < k; i++) {
        int j = i + (int)hr_evo_rng_below(r, (uint64_t)(n - i));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        v[i] = perm[i];
    }
}

/* A random move of rep into `to`: a time (or, with probability 1/4 when
 * probes are chosen, a probe) swapped for one not in the set. */
static void propose_move(hr_evo_rng *r, const hr_design_problem *pr, int k, int q,
                         const struct replica *rep, struct replica *to, unsigned char *mark)
{
    *to = *rep;
    int P = pr->nprobes, N = pr->ncand;
    if (q < P && hr_evo_rng_uniform(r) < 0.25) {
        memset(mark, 0, (size_t)P);
        for (int i = 0; i < q; i++)
            mark[to->probes[i]] = 1;
        int i = (int)hr_evo_rng_below(r, (uint64_t)q), j;
        do
            j = (int)hr_evo_rng_below(r, (uint64_t)P);
        while (mark[j]);
        to->probes[i] = j;
        return;
    }
    if (k == N)
        return;
    memset(mark, 0, (size_t)N);
    for (int i = 0; i < k; i++)
        mark[to->times[i]] = 1;
    int i = (int)hr_evo_rng_below(r, (uint64_t)k), c;
    do
        c = (int)hr_evo_rng_below(r, (uint64_t)N);
    while (mark[c]);
    to->times[i] = c;
}

static int dbl_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

int hr_design_anneal(const hr_design_problem *pr, int k, int q, const hr_design_anneal_opts *opt,
                     hr_design_result *out)
{
    double t0 = hr_now();
    memset(out, 0, sizeof *out);
    int st = check_problem(pr, k, NULL, q);
    if (st)
        return st;
    if (!opt || opt->replicas < 1 || opt->replicas > 64 || opt->sweeps < 1 || !(opt->t_hi >= 0) ||
        !(opt->t_lo >= 0) || (opt->t_hi > 0 && opt->t_lo > opt->t_hi))
        return HR_ERROR(HR_EINVAL, "design anneal: replicas %d (allowed 1 .. 64), sweeps %ld "
                        "(allowed >= 1), temperatures %g .. %g (allowed 0 <= t_lo <= t_hi; 0: "
                        "automatic)", opt ? opt->replicas : 0, opt ? opt->sweeps : 0L,
                        opt ? opt->t_lo : NAN, opt ? opt->t_hi : NAN);
    int R = opt->replicas, N = pr->ncand, P = pr->nprobes;
    size_t K = (size_t)k * (size_t)q;
    struct replica *rep = malloc((size_t)(R + 2) * sizeof *rep);
    double *ws = malloc(K * K * sizeof *ws), *T = malloc((size_t)R * sizeof *T);
    int *perm = malloc((size_t)(N > P ? N : P) * sizeof *perm);
    unsigned char *mark = malloc((size_t)(N > P ? N : P));
    double *df = malloc(200 * sizeof *df);
    if (!rep || !ws || !T || !perm || !mark || !df) {
        st = HR_ERROR(HR_ENOMEM, "design anneal: out of memory");
        goto done;
    }
    struct replica *trial = rep + R, *best = rep + R + 1;
    best->f = -INFINITY;
    hr_evo_rng rng;
    /* Starts: random subsets from stream (seed, 0, r). */
    for (int r = 0; r < R; r++) {
        hr_evo_rng_stream(&rng, opt->seed, 0, (uint64_t)r);
        random_subset(&rng, N, k, rep[r].times, perm);
        if (q < P)
            random_subset(&rng, P, q, rep[r].probes, perm);
        else
            for (int i = 0; i < q; i++)
                rep[r].probes[i] = i;
        rep[r].f = logdet_ws(pr, rep[r].times, k, rep[r].probes, q, ws);
        out->evaluations++;
        if (rep[r].f > best->f)
            *best = rep[r];
    }
    /* Temperatures: the median |df| of random moves from replica 0's start. */
    double thi = opt->t_hi;
    if (thi == 0) {
        hr_evo_rng_stream(&rng, opt->seed, 0, (uint64_t)R);
        int nd = 0;
        for (int i = 0; i < 200; i++) {
            propose_move(&rng, pr, k, q, &rep[0], trial, mark);
            trial->f = logdet_ws(pr, trial->times, k, trial->probes, q, ws);
            out->evaluations++;
            if (isfinite(trial->f) && isfinite(rep[0].f) && trial->f != rep[0].f)
                df[nd++] = fabs(trial->f - rep[0].f);
        }
        if (nd > 0) {
            qsort(df, (size_t)nd, sizeof *df, dbl_cmp);
            thi = df[nd / 2];
        } else {
            thi = 1;
        }
    }
    double tlo = opt->t_lo > 0 ? opt->t_lo : thi / 1000;
    for (int r = 0; r < R; r++)
        T[r] = R == 1 ? thi : thi * pow(tlo / thi, (double)r / (R - 1));
    for (long sw = 1; sw <= opt->sweeps; sw++) {
        if (R == 1)
            T[0] = thi * pow(tlo / thi, opt->sweeps > 1 ? (double)(sw - 1) / (double)(opt->sweeps - 1) : 1.0);
        for (int r = 0; r < R; r++) {
            hr_evo_rng_stream(&rng, opt->seed, (uint64_t)sw, (uint64_t)r);
            for (int mv = 0; mv < N; mv++) {
                propose_move(&rng, pr, k, q, &rep[r], trial, mark);
                trial->f = logdet_ws(pr, trial->times, k, trial->probes, q, ws);
                out->evaluations++;
                double u = hr_evo_rng_uniform(&rng);
                int accept;
                if (trial->f == -INFINITY)
                    accept = rep[r].f == -INFINITY;
                else
                    accept = rep[r].f == -INFINITY || trial->f >= rep[r].f ||
                             u < exp((trial->f - rep[r].f) / T[r]);
                if (accept) {
                    rep[r] = *trial;
                    out->moves++;
                    if (rep[r].f > best->f)
                        *best = rep[r];
                }
            }
        }
        hr_evo_rng_stream(&rng, opt->seed, (uint64_t)sw, (uint64_t)R);
        for (int r = (int)(sw % 2); r + 1 < R; r += 2) {
            double fi = rep[r].f, fj = rep[r + 1].f, u = hr_evo_rng_uniform(&rng);
            double a = (fj - fi) * (1 / T[r] - 1 / T[r + 1]);
            if (isfinite(fi) && isfinite(fj) && (a >= 0 || u < exp(a))) {
                struct replica t = rep[r];
                rep[r] = rep[r + 1];
                rep[r + 1] = t;
            }
        }
    }
    if (best->f == -INFINITY) {
        st = HR_ERROR(HR_ESINGULAR, "design anneal: every choice it tried gives a singular X");
        goto done;
    }
    {
        long ev = out->evaluations, mv = out->moves;
        st = finish(pr, best->times, k, best->probes, q, out);
        out->evaluations = ev;
        out->moves = mv;
    }
done:
    free(rep);
    free(ws);
    free(T);
    free(perm);
    free(mark);
    free(df);
    out->seconds = hr_now() - t0;
    return st;
}

int hr_design_exhaustive(const hr_design_problem *pr, int k, const int *probes, int q,
                         double max_subsets, hr_design_result *out)
{
    double t0 = hr_now();
    memset(out, 0, sizeof *out);
    int st = check_problem(pr, k, probes, q);
    if (st)
        return st;
    int N = pr->ncand;
    double count = 1;
    for (int i = 0; i < k; i++)
        count = count * (N - i) / (i + 1);
    if (count > max_subsets)
        return HR_ERROR(HR_ERANGE, "design: %.4g subsets of %d readout times among %d candidates "
                        "(allowed: at most %.4g for the exhaustive search)", count, k, N,
                        max_subsets);
    int Q[HR_DESIGN_MAX_PROBES], v[HR_DESIGN_MAX_K], bestv[HR_DESIGN_MAX_K];
    probe_list(pr, probes, q, Q);
    size_t K = (size_t)k * (size_t)q;
    double *ws = malloc(K * K * sizeof *ws), best = -INFINITY;
    if (!ws)
        return HR_ERROR(HR_ENOMEM, "design: out of memory");
    for (int i = 0; i < k; i++)
        v[i] = i;
    for (;;) {
        double f = logdet_ws(pr, v, k, Q, q, ws);
        out->evaluations++;
        if (f > best) {
            best = f;
            memcpy(bestv, v, (size_t)k * sizeof *v);
        }
        int i = k - 1;
        while (i >= 0 && v[i] == N - k + i)
            i--;
        if (i < 0)
            break;
        v[i]++;
        for (int j = i + 1; j < k; j++)
            v[j] = v[j - 1] + 1;
    }
    free(ws);
    out->moves = out->evaluations;
    if (best == -INFINITY)
        st = HR_ERROR(HR_ESINGULAR, "design: every subset of %d readout times gives a singular X",
                      k);
    else {
        long ev = out->evaluations, mv = out->moves;
        st = finish(pr, bestv, k, Q, q, out);
        out->evaluations = ev;
        out->moves = mv;
    }
    out->seconds = hr_now() - t0;
    return st;
}

/* ---- From an experiment ---- */

void hr_design_candidates_free(hr_design_candidates *c)
{
    if (!c)
        return;
    free((double *)c->problem.x);
    free(c->xall);
    free(c->times);
    memset(c, 0, sizeof *c);
}

int hr_design_gene_window(const hr_experiment *e, double *t_lo, double *t_hi)
{
    const hr_section *ro = e->sec[HR_SEC_READOUT];
    int ti = ro ? hr_section_find(ro, "t") : -1, found = 0;
    for (int i = 0; i < e->ngenes; i++) {
        const hr_gene *g = &e->genes[i];
        if (g->section != HR_SEC_READOUT || g->spec_index != ti || ti < 0)
            continue;
        *t_lo = found ? fmin(*t_lo, g->lo) : g->lo;
        *t_hi = found ? fmax(*t_hi, g->hi) : g->hi;
        found = 1;
    }
    return found ? HR_OK : HR_ERROR(HR_ERANGE, "no gene sets a readout time (allowed: give the "
                                    "window of candidate times)");
}

int hr_design_candidates_make(hr_worker *w, double t_lo, double t_hi, double lambda,
                              hr_design_candidates *out)
{
    memset(out, 0, sizeof *out);
    const hr_task *task = hr_worker_task(w);
    const hr_experiment *e = hr_worker_experiment(w);
    if (!task || task->stream)
        return HR_ERROR(HR_ENOTSUP, "design: task '%s' is a time series; readout design needs "
                        "a per-sample task (xnor, digits)", e->sec[HR_SEC_TASK]->kind);
    int rule = hr_readout_rule_parse(hr_section_str(e->sec[HR_SEC_READOUT], "rule"));
    hr_result res;
    int st = hr_worker_simulate(w, 0, &res);
    if (st)
        return st;
    int nrows = (int)task->n_rows;
    if (res.ntraces != nrows) {
        hr_result_free(&res);
        return HR_ERROR(HR_ENOTSUP, "design: %d runs for %d task rows (allowed: one run per "
                        "row)", res.ntraces, nrows);
    }
    int P = res.traces[0].nprobes, nt = res.traces[0].nt;
    double dt = res.traces[0].dt;
    for (int r = 1; r < nrows; r++)
        nt = res.traces[r].nt < nt ? res.traces[r].nt : nt;
    if (P > HR_DESIGN_MAX_PROBES) {
        hr_result_free(&res);
        return HR_ERROR(HR_EINVAL, "design: %d probes (allowed: at most %d)", P,
                        HR_DESIGN_MAX_PROBES);
    }
    out->times = malloc((size_t)nt * sizeof *out->times);
    out->xall = malloc((size_t)nt * (size_t)P * (size_t)nrows * sizeof *out->xall);
    if (!out->times || !out->xall) {
        hr_result_free(&res);
        hr_design_candidates_free(out);
        return HR_ERROR(HR_ENOMEM, "design: out of memory for %d x %d candidates", nt, P);
    }
    /* t = (j + 1/2) / (1/dt) when 1/dt is a whole number (as the readout
     * snaps it), so dt = 0.1 gives 42.05 rather than 42.050000000000004. */
    double inv = 1.0 / dt, rinv = nearbyint(inv);
    int whole = rinv >= 1 && fabs(inv - rinv) <= 1e-9 * rinv;
    int N = 0;
    for (int j = 0; j < nt; j++) {
        double s = rule == HR_READ_FLOOR ? j + 0.5 : j;
        double t = whole ? s / rinv : s * dt;
        if (t_hi >= t_lo && (t < t_lo || t > t_hi))
            continue;
        int okay = 1;
        for (int r = 0; r < nrows && okay; r++)
            for (int p = 0; p < P && okay; p++) {
                double v;
                if (hr_readout_value(&res.traces[r], p, t, (enum hr_readout_rule)rule, &v))
                    okay = 0;
                else
                    out->xall[((size_t)N * (size_t)P + (size_t)p) * (size_t)nrows + (size_t)r] = v;
            }
        if (okay)
            out->times[N++] = t;
    }
    hr_error_clear();
    hr_result_free(&res);
    if (N == 0) {
        hr_design_candidates_free(out);
        return HR_ERROR(HR_ERANGE, "design: no trace sample in the window %g .. %g (the traces "
                        "have %d samples every %g)", t_lo, t_hi, nt, dt);
    }
    int m = (int)task->n_train, r0 = (int)task->washout;
    double *x = malloc((size_t)N * (size_t)P * (size_t)m * sizeof *x);
    if (!x) {
        hr_design_candidates_free(out);
        return HR_ERROR(HR_ENOMEM, "design: out of memory");
    }
    for (size_t j = 0; j < (size_t)N * (size_t)P; j++)
        memcpy(x + j * (size_t)m, out->xall + j * (size_t)nrows + (size_t)r0,
               (size_t)m * sizeof *x);
    out->problem = (hr_design_problem){.m = m, .ncand = N, .nprobes = P, .x = x, .lambda = lambda};
    out->nrows_all = nrows;
    out->first_train = r0;
    out->dt = dt;
    out->simulations = nrows;
    return HR_OK;
}

hr_experiment *hr_design_apply(const hr_experiment *e, const hr_design_candidates *c,
                               const hr_design_result *r)
{
    hr_experiment *d = hr_experiment_clone(e);
    if (!d) {
        HR_ERROR(HR_ENOMEM, "design: out of memory");
        return NULL;
    }
    hr_section *ro = d->sec[HR_SEC_READOUT];
    int ti = hr_section_find(ro, "t");
    char text[HR_DESIGN_MAX_K * 26 + 1];
    size_t len = 0;
    for (int i = 0; i < r->k; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s%.17g", i ? " " : "",
                                c->times[r->times[i]]);
    int st = hr_section_set_text(ro, "t", text, "design", 0);
    /* Genes that set readout times: the value of the new time, or retired. */
    for (int i = 0; !st && i < d->ngenes; i++) {
        hr_gene *g = &d->genes[i];
        if (g->section != HR_SEC_READOUT || g->spec_index != ti)
            continue;
        if (g->elem >= r->k) {
            snprintf(g->target, sizeof g->target, "none");
            g->section = -1;
            g->spec_index = -1;
            g->setting[0] = '\0';
            g->value = NAN;
            continue;
        }
        if (isnan(g->value))
            continue;
        double t = c->times[r->times[g->elem]];
        g->value = g->hi > g->lo && t >= g->lo && t <= g->hi ? (t - g->lo) / (g->hi - g->lo) : NAN;
        if (!isnan(g->value) && g->lo + (g->hi - g->lo) * g->value != t)
            g->value = NAN; /* not exact: the list holds the time itself */
    }
    /* The probes chosen, in every probe list with one value per probe. */
    if (!st && r->q < c->problem.nprobes) {
        hr_section *sub = d->sec[HR_SEC_SUBSTRATE];
        int lists = 0;
        for (int i = 0; !st && i < sub->nspec; i++) {
            const hr_param_spec *p = &sub->spec[i];
            if (p->type != HR_PARAM_LIST || strncmp(p->name, "probe", 5) != 0 ||
                sub->len[i] != c->problem.nprobes)
                continue;
            len = 0;
            for (int j = 0; j < r->q; j++)
                len += (size_t)snprintf(text + len, sizeof text - len, "%s%.17g", j ? " " : "",
                                        sub->val[(size_t)i * HR_PARAM_MAXLIST + (size_t)r->probes[j]]);
            st = hr_section_set_text(sub, p->name, text, "design", 0);
            lists++;
        }
        if (!st && lists == 0)
            st = HR_ERROR(HR_ENOTSUP, "design: substrate '%s' has no probe list of %d values to "
                          "cut to the %d probes chosen (allowed: choose probes of a substrate "
                          "whose probe positions are list settings named probe...)", sub->kind,
                          c->problem.nprobes, r->q);
    }
    if (st) {
        hr_experiment_destroy(d);
        return NULL;
    }
    return d;
}
