/* bench_sw.c — speed of the shallow-water tank against the machine's memory
 * bandwidth, both measured in the same run.
 *
 * 1. A STREAM-style triad a[i] = b[i] + q c[i] on arrays far larger than the
 *    last-level cache, on 1 and 2 threads (first-touch initialised, static
 *    schedule), counted as STREAM counts it: 24 bytes per element (two reads,
 *    one write; the write-allocate read is not counted).
 * 2. The solver (hr_sw_run_from: the whole step with its per-step checks,
 *    ghost rows and barriers, a wave maker and a probe) on 256^2, 512^2 and
 *    2048^2 cells, float64 and float32, 1 and 2 threads, on a tank full of
 *    waves (a/H ~ 1%, so every advection branch is taken). Million
 *    cell-updates per second (MCUPS), best of N, after subtracting the fixed
 *    cost of a run (loading and checking the initial state: a 0-step run).
 *
 * Bytes per cell update, counted the STREAM way: a step reads eta, u, v and H
 * and writes eta, u, v once (the neighbouring rows and the flux rows stay in
 * cache): 7 words = 56 bytes in float64, 28 in float32. The roofline is
 * triad bandwidth / bytes per update; "roof" is the fraction of it reached.
 * 256^2 (3.7 MB of float64 state) fits in the 32 MB L3, so it can pass 100%:
 * there the kernel is compute-bound, not bandwidth-bound. The in-cache rate
 * is the kernel's compute ceiling; the last lines compare 2048^2 with it, to
 * show which roof binds.
 *
 * The machine is shared: every figure is the best of several repetitions,
 * and the table's ratios use the triad measured at the start of the same
 * run; the triad is measured again before the 2048^2 rows and at the end,
 * and the 2048^2 ratios are also given against the best of the three. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "shallowwater/sw.h"

/* Triad arrays: 3 x 2^25 doubles = 768 MiB, 24x the L3. */
#define TRIAD_N (1L << 25)
#define TRIAD_REPS 8

/* The machine is shared: a load above ~0.5 while we run means another
 * process holds a core, and 2-thread figures (which wait for both cores at
 * every step) are then unreliable. */
static void print_load(const char *what)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double l1 = -1;
    if (f) {
        if (fscanf(f, "%lf", &l1) != 1)
            l1 = -1;
        fclose(f);
    }
    if (l1 >= 0)
        printf("%s: %.2f%s\n", what, l1,
               l1 > 1.5 ? " (another process is busy: 2-thread figures are unreliable)" : "");
}

static double triad(int threads, double *a, double *b, double *c)
{
    double best = 0;
    const double q = 1.5;
    for (int rep = 0; rep < TRIAD_REPS; rep++) {
        double t0 = omp_get_wtime();
#pragma omp parallel for schedule(static) num_threads(threads)
        for (long i = 0; i < TRIAD_N; i++)
            a[i] = b[i] + q * c[i];
        double t = omp_get_wtime() - t0;
        double gbs = 24.0 * TRIAD_N / t / 1e9;
        if (gbs > best)
            best = gbs;
    }
    /* Keep the result alive. */
    if (a[TRIAD_N / 3] != 1.0 + q * 2.0)
        fprintf(stderr, "triad: wrong result\n");
    return best;
}

/* Best MCUPS of `reps` runs of about `target` seconds each. */
static int bench_solver(int n, enum hr_sw_precision prec, int threads, double target, int reps,
                        double *mcups)
{
    hr_sw_params p = hr_sw_params_default();
    p.nx = n;
    p.ny = n;
    p.lx = 1.0;
    p.ly = 1.0;
    p.depth = 0.05;
    p.drag = 0.01;
    p.precision = prec;
    p.threads = threads;
    p.boundary[HR_SW_EAST] = HR_SW_SPONGE;
    p.sponge_width = 0.1;
    hr_sw *s;
    int st = hr_sw_create(&s, &p);
    if (st)
        return st;
    /* A wavy initial state: a/H ~ 1%. */
    size_t cells = (size_t)n * n;
    double *eta = malloc(cells * sizeof *eta);
    if (!eta) {
        hr_sw_destroy(s);
        return HR_ENOMEM;
    }
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            double x = (i + 0.5) / n, y = (j + 0.5) / n;
            eta[(size_t)j * n + i] = 5e-4 * (sin(17.3 * x + 3 * y) + cos(11.1 * y - 5 * x) +
                                             0.5 * sin(40 * x * y));
        }
    hr_sw_state init = {eta, NULL, NULL};
    hr_sw_maker mk = {0.3, 0.6, 0.03, 0};
    hr_sw_signal sg;
    memset(&sg, 0, sizeof sg);
    sg.amplitude = 0.01;
    sg.frequency = 3.0;
    double probe[2] = {0.5, 0.5};
    const double dt = hr_sw_dt(s);

    /* The fixed cost of a run (loading the initial state and checking it
     * cell by cell, one output): a run of 0 steps, best of `reps`. */
    double tr[2], t_fixed = INFINITY;
    int st2 = HR_OK;
    for (int rep = 0; rep < reps && !st2; rep++) {
        double t0 = omp_get_wtime();
        st2 = hr_sw_run_from(s, &init, 1, &mk, &sg, 1, probe, 0, dt, tr);
        double t = omp_get_wtime() - t0;
        t_fixed = t < t_fixed ? t : t_fixed;
    }
    st = st2;
    /* Calibrate the number of steps with a short run. */
    long steps = 4;
    double t0 = omp_get_wtime();
    if (!st)
        st = hr_sw_run_from(s, &init, 1, &mk, &sg, 1, probe, steps * dt, steps * dt, tr);
    double t1 = omp_get_wtime() - t0 - t_fixed;
    if (!st) {
        steps = (long)(target / (t1 > 0 ? t1 / 4 : 1e-3));
        if (steps < 8)
            steps = 8;
        double best = 0;
        for (int rep = 0; rep < reps && !st; rep++) {
            double ts = omp_get_wtime();
            st = hr_sw_run_from(s, &init, 1, &mk, &sg, 1, probe, steps * dt, steps * dt, tr);
            double t = omp_get_wtime() - ts - t_fixed;
            double m = (double)cells * (double)hr_sw_steps(s) / t / 1e6;
            if (m > best)
                best = m;
        }
        *mcups = best;
    }
    free(eta);
    hr_sw_destroy(s);
    return st;
}

int main(void)
{
    hr_init();
    printf("bench_sw: shallow-water tank vs memory bandwidth (%d OpenMP threads available)\n",
           omp_get_max_threads());
    printf("kernel: %s\n", hr_sw_kernel_name());
    print_load("load average at start");
    double *a = malloc(TRIAD_N * sizeof *a), *b = malloc(TRIAD_N * sizeof *b),
           *c = malloc(TRIAD_N * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "bench_sw: out of memory for the triad\n");
        return 1;
    }
#pragma omp parallel for schedule(static)
    for (long i = 0; i < TRIAD_N; i++) {
        a[i] = 0;
        b[i] = 1;
        c[i] = 2;
    }
    double bw[3];
    bw[1] = triad(1, a, b, c);
    bw[2] = triad(2, a, b, c);
    printf("triad bandwidth (STREAM count, 24 B/element, best of %d): 1 thread %.1f GB/s, "
           "2 threads %.1f GB/s\n", TRIAD_REPS, bw[1], bw[2]);
    printf("bytes per cell update (STREAM count: read eta, u, v, H; write eta, u, v): "
           "56 (f64), 28 (f32)\n\n");
    printf("%-10s %-5s %-7s %10s %13s %8s %10s\n", "grid", "prec", "threads", "MCUPS",
           "MCUPS/thread", "roof", "GB/s");

    static const int sizes[3] = {256, 512, 2048};
    double rate[3][2][3] = {{{0}}}; /* MCUPS by size, precision, threads */
    int status = 0;
    double mid[3] = {0, 0, 0};
    for (int si = 0; si < 3; si++)
        for (int prec = 0; prec < 2; prec++)
            for (int th = 1; th <= 2; th++) {
                double mcups = 0;
                int n = sizes[si];
                /* The bandwidth again just before the 2048^2 rows. */
                if (n == 2048 && prec == 0 && th == 1) {
                    mid[1] = triad(1, a, b, c);
                    mid[2] = triad(2, a, b, c);
                }
                int reps = n >= 2048 ? 4 : 6;
                double target = n >= 2048 ? 0.6 : 0.25;
                int st = bench_solver(n, prec, th, target, reps, &mcups);
                if (st) {
                    fprintf(stderr, "bench_sw: %d^2: %s\n", n, hr_error_message());
                    status = 1;
                    continue;
                }
                rate[si][prec][th] = mcups;
                double bytes = prec == HR_SW_F32 ? 28.0 : 56.0;
                double gbs = mcups * 1e6 * bytes / 1e9;
                char grid[16];
                snprintf(grid, sizeof grid, "%d^2", n);
                printf("%-10s %-5s %-7d %10.1f %13.1f %7.0f%% %10.1f\n", grid,
                       prec == HR_SW_F32 ? "f32" : "f64", th, mcups, mcups / th,
                       100 * gbs / bw[th], gbs);
                fflush(stdout);
            }
    /* The bandwidth a VM gets varies from minute to minute (measured here:
     * 2 threads anywhere from 47 to 70 GB/s on a quiet guest): measure again
     * and judge the kernels against the better of the two. */
    double end1 = triad(1, a, b, c), end2 = triad(2, a, b, c);
    free(a);
    free(b);
    free(c);
    printf("\ntriad before the 2048^2 rows: 1 thread %.1f GB/s, 2 threads %.1f GB/s\n", mid[1],
           mid[2]);
    printf("triad again at the end: 1 thread %.1f GB/s, 2 threads %.1f GB/s\n", end1, end2);
    printf("roof = (MCUPS x bytes per update) / triad bandwidth at the same thread count "
           "(the start's figure).\n");
    /* Other tenants' traffic lowers the triad from minute to minute (the
     * 2-thread figure has been seen to fall from 73 to 48 GB/s within one
     * run); the best of the three is the least contended, so the fairest
     * roof, and the strictest. */
    const double best1 = fmax(fmax(bw[1], mid[1]), end1), best2 = fmax(fmax(bw[2], mid[2]), end2);
    printf("against the best triad of the run (1 thread %.1f, 2 threads %.1f GB/s) the 2048^2 "
           "rows reach:", best1, best2);
    for (int prec = 0; prec < 2; prec++)
        for (int th = 1; th <= 2; th++)
            if (rate[2][prec][th] > 0)
                printf(" %s/%dt %.0f%%", prec ? "f32" : "f64", th,
                       100 * rate[2][prec][th] * 1e-3 * (prec ? 28.0 : 56.0) /
                           (th == 1 ? best1 : best2));
    printf("\n");
    /* Which roof binds: the same kernel on a grid that stays in cache
     * (256^2 or 512^2, whichever is faster) measures its compute ceiling;
     * at 2048^2 it runs at that ceiling or at the bandwidth roof. */
    printf("\n2048^2 against the same kernel in cache (best of 256^2, 512^2; compute "
           "ceiling):\n");
    for (int prec = 0; prec < 2; prec++)
        for (int th = 1; th <= 2; th++) {
            double inc = fmax(rate[0][prec][th], rate[1][prec][th]);
            if (inc > 0 && rate[2][prec][th] > 0)
                printf("  %s, %d thread%s: %.0f of %.0f MCUPS = %.0f%% of the compute ceiling\n",
                       prec ? "f32" : "f64", th, th > 1 ? "s" : "", rate[2][prec][th], inc,
                       100 * rate[2][prec][th] / inc);
        }
    print_load("load average at end");
    return status;
}
