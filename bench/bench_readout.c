/* bench_readout.c — what one SVD per fold saves in the cross-validated
 * ridge readout: hr_linreg_ridge_cv (folds + 1 SVDs for the whole lambda
 * grid) against training every (lambda, fold) pair on its own (the way the
 * pipeline did it before: folds x lambdas + 1 SVDs), on readout matrices of
 * the sizes hydrores produces (NARMA10 in the tank: 200 x 8; a 100-unit ESN:
 * 200 x 100). Both give the same lambda and weights, bit for bit (checked
 * here too). Median of 3 timings, one thread. */
#include "base/clock.h"
#include "base/status.h"
#include "reservoir/linreg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double median(double *v, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (v[j] < v[i]) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
            }
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The pipeline's earlier loop: a ridge fit per (lambda, fold). */
static double per_pair(const double *x, const double *y, size_t m, size_t n, size_t folds,
                       double *w)
{
    double *xt = malloc(m * n * sizeof *xt), *yt = malloc(m * sizeof *yt), pv;
    double best = INFINITY, best_lambda = 1e-12;
    for (int li = 0; li < 15; li++) {
        double lambda = pow(10.0, -12 + li), sse = 0;
        for (size_t f = 0; f < folds; f++) {
            size_t mt = 0;
            for (size_t i = 0; i < m; i++)
                if (i % folds != f) {
                    memcpy(xt + mt * n, x + i * n, n * sizeof *xt);
                    yt[mt++] = y[i];
                }
            hr_linreg_ridge(xt, mt, n, yt, 1, 1, lambda, w);
            for (size_t i = f; i < m; i += folds) {
                hr_linreg_predict(x + i * n, 1, n, w, 1, 1, &pv);
                sse += (pv - y[i]) * (pv - y[i]);
            }
        }
        if (sse < best) {
            best = sse;
            best_lambda = lambda;
        }
    }
    hr_linreg_ridge(x, m, n, y, 1, 1, best_lambda, w);
    free(xt);
    free(yt);
    return best_lambda;
}

int main(void)
{
    hr_init();
    static const size_t sizes[][2] = {{200, 8}, {200, 40}, {200, 100}};
    printf("cross-validated ridge readout, 5 folds x 15 lambdas, one thread (median of 3)\n");
    printf("  %-10s %14s %14s %8s\n", "X", "per pair (ms)", "one SVD/fold", "ratio");
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
        size_t m = sizes[c][0], n = sizes[c][1];
        double *x = malloc(m * n * sizeof *x), *y = malloc(m * sizeof *y);
        double *w1 = malloc((n + 1) * sizeof *w1), *w2 = malloc((n + 1) * sizeof *w2);
        unsigned s = 2385;
        for (size_t i = 0; i < m * n; i++) {
            s = s * 1103515245u + 12345u;
            x[i] = (double)(s >> 8) / 16777216.0 - 0.5;
        }
        for (size_t i = 0; i < m; i++)
            y[i] = sin(3 * x[i * n]) + 0.1 * x[i * n + 1];
        double ta[3], tb[3], la = 0, lb = 0;
        for (int r = 0; r < 3; r++) {
            double t0 = hr_now();
            la = per_pair(x, y, m, n, 5, w1);
            ta[r] = hr_now() - t0;
            t0 = hr_now();
            hr_linreg_ridge_cv(x, y, m, n, 1, 1, 5, -12, 15, w2, &lb);
            tb[r] = hr_now() - t0;
        }
        int same = la == lb && memcmp(w1, w2, (n + 1) * sizeof *w1) == 0;
        double a = median(ta, 3), b = median(tb, 3);
        printf("  %4zu x %-3zu %14.3f %14.3f %7.1fx%s\n", m, n, 1e3 * a, 1e3 * b, a / b,
               same ? "" : "  (RESULTS DIFFER)");
        free(x);
        free(y);
        free(w1);
        free(w2);
        if (!same)
            return 1;
    }
    return 0;
}
