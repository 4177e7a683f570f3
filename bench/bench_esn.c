/* bench_esn.c — state updates per second of the digital reservoirs, one
 * thread:
 *   1. the ESN at N = 100, 500, 2000 (10% connectivity, 1 input, tanh, float64)
 *      with our CSR kernel, against ReservoirPy 0.3.12 on these machines
 *      (31.5k, 17.7k, 2.5k updates/s with Debian's numpy/scipy, the issue's
 *      figures; HR_RESERVOIRPY_RATES="a,b,c" replaces them with ones measured
 *      in the same session), and the same step through GSL's
 *      gsl_spblas_dgemv (why the kernel is our own);
 *   2. the memory-bandwidth bound of the N = 2000 step: a STREAM triad
 *      measured in the same run divided by the bytes one step must read
 *      (W's values and column indices, row pointers, x and the state);
 *   3. the integer ESN (8-bit weights and state);
 *   4. the LRU (256 complex units, 256 outputs, 1 input), dense and with C
 *      90% pruned, float64 and 8-bit integer.
 * Best of 5 runs of about 0.3 s each; wall-clock rates and the thread's
 * CPU-time rates (the machines are shared: with a load above the core
 * count the wall rates undercount what a core does). */
#include "base/clock.h"
#include "base/status.h"
#include "reservoir/esn.h"
#include "reservoir/lru.h"

#include <gsl/gsl_spblas.h>
#include <gsl/gsl_spmatrix.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPS 5
#define TRIAD_N (1L << 25) /* 3 x 256 MB of doubles: far beyond the caches */

static double triad(double *a, double *b, double *c)
{
    double best = 0;
    for (int rep = 0; rep < REPS; rep++) {
        double t0 = hr_now();
        for (long i = 0; i < TRIAD_N; i++)
            a[i] = b[i] + 1.5 * c[i];
        double t = hr_now() - t0;
        double gbs = 24.0 * TRIAD_N / t / 1e9;
        best = gbs > best ? gbs : best;
    }
    if (a[TRIAD_N / 3] != 1.0 + 1.5 * 2.0)
        fprintf(stderr, "triad: wrong result\n");
    return best;
}

static double sink;

/* CPU time of the calling thread (s): what one core gave us, whatever else
 * the shared machine runs. */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The best CPU-time rate of the last rate() call. */
static double last_cpu_rate;

/* Best updates/s (wall clock) of REPS runs of about 0.3 s of steps; the best
 * CPU-time rate goes to last_cpu_rate. */
typedef void (*step_fn)(void *ctx, int k);

static double rate(step_fn f, void *ctx)
{
    int n = 1;
    double t;
    /* Calibrate to ~0.3 s. */
    for (;;) {
        double t0 = hr_now();
        for (int k = 0; k < n; k++)
            f(ctx, k);
        t = hr_now() - t0;
        if (t > 0.05)
            break;
        n *= 4;
    }
    n = (int)(n * 0.3 / t) + 1;
    double best = 0, best_cpu = 0;
    for (int r = 0; r < REPS; r++) {
        double t0 = hr_now(), c0 = cpu_now();
        for (int k = 0; k < n; k++)
            f(ctx, k);
        double s = n / (hr_now() - t0), sc = n / (cpu_now() - c0);
        best = s > best ? s : best;
        best_cpu = sc > best_cpu ? sc : best_cpu;
    }
    last_cpu_rate = best_cpu;
    return best;
}

static void esn_step(void *ctx, int k)
{
    hr_esn *e = ctx;
    double u = 0.5 * sin(0.1 * k);
    hr_esn_step(e, &u);
    sink += hr_esn_state(e)[0];
}

/* The same update with GSL's sparse BLAS for W x. */
typedef struct gsl_esn {
    gsl_spmatrix *w;
    gsl_vector *x, *y;
    const hr_esn *e;
} gsl_esn;

static void gsl_step(void *ctx, int k)
{
    gsl_esn *g = ctx;
    double u = 0.5 * sin(0.1 * k);
    gsl_spblas_dgemv(CblasNoTrans, 1.0, g->w, g->x, 0.0, g->y);
    const hr_csr *win = hr_esn_win(g->e);
    const double *b = hr_esn_bias(g->e);
    int n = (int)g->x->size;
    for (int i = 0; i < n; i++) {
        double s = g->y->data[i] + b[i];
        for (int q = win->rowptr[i]; q < win->rowptr[i + 1]; q++)
            s += win->val[q] * u;
        g->x->data[i] = tanh(s);
    }
    sink += g->x->data[0];
}

static int gsl_rate(const hr_esn *e, double *out)
{
    const hr_csr *w = hr_esn_w(e);
    size_t n = (size_t)w->rows;
    gsl_spmatrix *t = gsl_spmatrix_alloc_nzmax(n, n, hr_csr_nnz(w), GSL_SPMATRIX_COO);
    if (!t)
        return HR_ENOMEM;
    for (int i = 0; i < w->rows; i++)
        for (int k = w->rowptr[i]; k < w->rowptr[i + 1]; k++)
            gsl_spmatrix_set(t, (size_t)i, (size_t)w->col[k], w->val[k]);
    gsl_esn g = {gsl_spmatrix_compress(t, GSL_SPMATRIX_CSR), gsl_vector_calloc(n),
                 gsl_vector_calloc(n), e};
    gsl_spmatrix_free(t);
    if (!g.w || !g.x || !g.y)
        return HR_ENOMEM;
    *out = rate(gsl_step, &g);
    gsl_spmatrix_free(g.w);
    gsl_vector_free(g.x);
    gsl_vector_free(g.y);
    return HR_OK;
}

static void lru_step(void *ctx, int k)
{
    hr_lru *l = ctx;
    double u = 0.5 * sin(0.1 * k);
    hr_lru_step(l, &u);
    sink += hr_lru_output(l)[0];
}

static double ratio_ref(int i)
{
    double ref[3] = {31.5e3, 17.7e3, 2.5e3};
    const char *env = getenv("HR_RESERVOIRPY_RATES");
    if (env && sscanf(env, "%lf,%lf,%lf", &ref[0], &ref[1], &ref[2]) != 3)
        fprintf(stderr, "bench_esn: HR_RESERVOIRPY_RATES=%s is not three numbers a,b,c\n", env);
    return ref[i];
}

int main(void)
{
    hr_init();
    double *a = malloc(TRIAD_N * sizeof *a), *b = malloc(TRIAD_N * sizeof *b);
    double *c = malloc(TRIAD_N * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "bench_esn: out of memory for the triad\n");
        return 1;
    }
    for (long i = 0; i < TRIAD_N; i++) {
        a[i] = 0;
        b[i] = 1;
        c[i] = 2;
    }
    double bw0 = triad(a, b, c);
    printf("triad bandwidth (STREAM count, 24 B/element, best of %d, 1 thread): %.1f GB/s\n\n",
           REPS, bw0);
    printf("ESN, 10%% connectivity, 1 input, tanh, float64, 1 thread (best of %d):\n", REPS);
    printf("| N | nonzeros of W | updates/s, wall (CPU time) | vs ReservoirPy 0.3.12, wall (CPU) | "
           "GSL spblas updates/s, wall (CPU) | ours / GSL (CPU) |\n|---|---|---|---|---|---|\n");
    const int sizes[3] = {100, 500, 2000};
    double r2000 = 0;
    size_t nnz2000 = 0;
    for (int s = 0; s < 3; s++) {
        hr_esn_params p = hr_esn_params_default();
        p.units = sizes[s];
        p.sr = 0.9;
        hr_esn *e;
        if (hr_esn_create(&e, &p, NULL)) {
            fprintf(stderr, "bench_esn: %s\n", hr_error_message());
            return 1;
        }
        double r = rate(esn_step, e), rc = last_cpu_rate, g = 0;
        gsl_rate(e, &g);
        double gc = last_cpu_rate;
        printf("| %d | %zu | %.3g (%.3g) | %.1fx (%.1fx) of %.3g/s | %.3g (%.3g) | %.2f |\n", sizes[s],
               hr_csr_nnz(hr_esn_w(e)), r, rc, r / ratio_ref(s), rc / ratio_ref(s), ratio_ref(s), g,
               gc, rc / gc);
        if (sizes[s] == 2000) {
            r2000 = rc;
            nnz2000 = hr_csr_nnz(hr_esn_w(e));
        }
        hr_esn_destroy(e);
    }
    double bw1 = triad(a, b, c);
    double bw = bw0 > bw1 ? bw0 : bw1;
    /* Bytes a step must read at N = 2000: W values (8) and columns (4) per
     * nonzero, row pointers (4), the state it reads (8 N) and writes (8 N),
     * W_in, bias (16 N at most). */
    double bytes = 12.0 * (double)nnz2000 + 4.0 * 2001 + 32.0 * 2000;
    printf("\nN = 2000: %.0f bytes per step; DRAM triad %.1f GB/s (best of the run) -> "
           "bound %.3g updates/s; measured (CPU time) %.3g = %.0f%% of it (W, %.1f MB, fits the "
           "L3, so the bound can be exceeded)\n\n",
           bytes, bw, bw * 1e9 / bytes, r2000, 100 * r2000 / (bw * 1e9 / bytes), bytes / 1e6);

    /* Integer ESN. */
    printf("| ESN, 8-bit weights and state (integer arithmetic) | updates/s (CPU time) | vs float64 |\n"
           "|---|---|---|\n");
    for (int s = 0; s < 3; s++) {
        hr_esn_params p = hr_esn_params_default();
        p.units = sizes[s];
        hr_fixed_spec fx = {.weights = {.bits = 8, .outlier_ratio = 4}, .state_bits = 8,
                            .state_int_bits = 1, .input_range = 1};
        hr_esn *e, *f;
        if (hr_esn_create(&e, &p, &fx) || hr_esn_create(&f, &p, NULL)) {
            fprintf(stderr, "bench_esn: %s\n", hr_error_message());
            return 1;
        }
        rate(esn_step, e);
        double ri = last_cpu_rate;
        rate(esn_step, f);
        double rf = last_cpu_rate;
        printf("| N = %d | %.3g | %.2f |\n", sizes[s], ri, ri / rf);
        hr_esn_destroy(e);
        hr_esn_destroy(f);
    }

    /* LRU. */
    printf("\n| LRU, 256 complex units, 256 outputs, 1 input | synaptic ops / step | "
           "steps/s, wall (CPU time) |\n|---|---|---|\n");
    for (int sparse = 0; sparse < 2; sparse++)
        for (int q = 0; q < 2; q++) {
            hr_lru_params p = hr_lru_params_default();
            p.units = 256;
            p.outputs = 256;
            p.nonlin = HR_LRU_TANH;
            p.density = sparse ? 0.1 : 1;
            hr_fixed_spec fx = {.weights = {.bits = 8, .outlier_ratio = 4}, .state_bits = 8,
                                .state_int_bits = 2, .input_range = 1};
            hr_lru *l;
            if (hr_lru_create(&l, &p, q ? &fx : NULL)) {
                fprintf(stderr, "bench_esn: %s\n", hr_error_message());
                return 1;
            }
            hr_costs co;
            hr_lru_costs(l, &co);
            double w = rate(lru_step, l);
            printf("| %s, %s | %.0f | %.3g (%.3g) |\n", sparse ? "C 90% sparse" : "dense",
                   q ? "int8" : "float64", co.synaptic_ops, w, last_cpu_rate);
            hr_lru_destroy(l);
        }
    if (sink == 12345.678)
        printf("(sink)\n");
    free(a);
    free(b);
    free(c);
    return 0;
}
