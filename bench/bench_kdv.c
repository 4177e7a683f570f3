/* bench_kdv.c — speed of the KdV reservoir at its default settings:
 *   - one KdV solve from t = 0 to 100 (one probe, output every 0.1);
 *   - one XNOR fitness evaluation on one thread: the four patterns of the
 *     reference genome amp0 (tests/reference/kdv/cases.csv) solved to its
 *     last readout time, then |det X| of the 4x4 readout matrix;
 *   - evaluations per second with every core busy (OpenMP, one solver per
 *     thread), and the speed-up over the reference code's ~19 s per
 *     evaluation (tests/reference/kdv/README.md).
 * Times are medians of several repetitions; the accuracy they were measured
 * at (max |u - u_ref| over the amp0 probe series) is printed beside them.
 * Run from the repository root (make bench) so the reference data is found. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#include "base/clock.h"
#include "interface/cli.h"
#include "base/status.h"
#include "shallowwater/kdv.h"

#define REF_DIR "tests/reference/kdv"
#define REFERENCE_SECONDS 19.0 /* the reference Python per XNOR evaluation */
#define NSAMPLES 1001

/* Genome amp0 (xnor-amplitude) from cases.csv, its det_abs_converged. */
static const double genome[10] = {
    0.12857020276919962, 0.49927786244011496, 0.6014983576233575, 0.028689008371944547,
    0.14792608457745593, 0.9282110229603695,  0.07042057615419683, 0.12977394939929798,
    0.9483284532917751,  0.6218835927963828};
static const double det_converged = 0.09885767903309643;

/* The amplitude encoding: packets with wavenumbers (a, b); bit 1 picks
 * amplitude c or d, bit 2 e or f, each |g/2 - 1e-10|; patterns (c,e), (c,f),
 * (d,e), (d,f). */
static hr_kdv_ic pattern_ic(int p, double nu)
{
    hr_kdv_ic ic = hr_kdv_ic_reference(nu);
    ic.npackets = 2;
    ic.k[0] = genome[0];
    ic.k[1] = genome[1];
    ic.eps[0] = fabs(genome[p < 2 ? 2 : 3] / 2 - 1e-10);
    ic.eps[1] = fabs(genome[p % 2 == 0 ? 4 : 5] / 2 - 1e-10);
    return ic;
}

typedef struct evaluator {
    hr_kdv *s;
    double *u0, *trace;
    double probe;
    int idx[4];    /* sample index floor(10 t) of each readout time */
    double t_end;  /* the last readout sample's time */
} evaluator;

static int evaluator_init(evaluator *e, const hr_kdv_params *p)
{
    memset(e, 0, sizeof *e);
    int st = hr_kdv_create(&e->s, p);
    if (st)
        return st;
    int imax = 0;
    for (int j = 0; j < 4; j++) {
        e->idx[j] = (int)floor(10 * (40 + 20 * genome[6 + j]));
        if (e->idx[j] > imax)
            imax = e->idx[j];
    }
    e->t_end = imax * 0.1;
    e->probe = hr_kdv_reference_probe(p->length);
    e->u0 = malloc((size_t)hr_kdv_n(e->s) * sizeof *e->u0);
    e->trace = malloc(NSAMPLES * sizeof *e->trace);
    if (!e->u0 || !e->trace)
        return HR_ERROR(HR_ENOMEM, "bench: out of memory");
    return HR_OK;
}

static void evaluator_free(evaluator *e)
{
    hr_kdv_destroy(e->s);
    free(e->u0);
    free(e->trace);
}

/* One fitness evaluation: four solves to the last readout time, |det X|. */
static int evaluate(evaluator *e, double nu, double *det)
{
    double x[16];
    hr_kdv_output out = {e->t_end, 0.1, 1, &e->probe};
    for (int p = 0; p < 4; p++) {
        hr_kdv_ic ic = pattern_ic(p, nu);
        hr_kdv_ic_sample(e->s, &ic, e->u0);
        int st = hr_kdv_run(e->s, e->u0, &out, e->trace);
        if (st)
            return st;
        for (int j = 0; j < 4; j++)
            x[4 * p + j] = e->trace[e->idx[j]];
    }
    gsl_matrix_view m = gsl_matrix_view_array(x, 4, 4);
    gsl_permutation *perm = gsl_permutation_alloc(4);
    int sign = 1;
    if (!perm || gsl_linalg_LU_decomp(&m.matrix, perm, &sign))
        *det = NAN;
    else
        *det = fabs(gsl_linalg_LU_det(&m.matrix, sign));
    gsl_permutation_free(perm);
    return HR_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v and returns its median. */
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* max |u - u_ref| over the 1001 samples of each amp0 pattern, or NAN if the
 * reference data is not there. */
static double accuracy(const hr_kdv_params *prm)
{
    FILE *f = fopen(REF_DIR "/probe.csv", "r");
    if (!f)
        return NAN;
    static double ref[4][NSAMPLES];
    int count[4] = {0, 0, 0, 0};
    char line[256];
    while (fgets(line, sizeof line, f)) {
        int p;
        double t, u;
        if (sscanf(line, "amp0,%d,%lf,%lf", &p, &t, &u) == 3 && p >= 0 && p < 4 &&
            count[p] < NSAMPLES)
            ref[p][count[p]++] = u;
    }
    fclose(f);
    hr_kdv *s = NULL;
    if (hr_kdv_create(&s, prm))
        return NAN;
    double *u0 = malloc((size_t)hr_kdv_n(s) * sizeof *u0), tr[NSAMPLES], err = 0;
    double probe = hr_kdv_reference_probe(prm->length);
    hr_kdv_output out = {100, 0.1, 1, &probe};
    for (int p = 0; p < 4 && u0; p++) {
        if (count[p] != NSAMPLES) {
            err = NAN;
            break;
        }
        hr_kdv_ic ic = pattern_ic(p, prm->nu);
        hr_kdv_ic_sample(s, &ic, u0);
        if (hr_kdv_run(s, u0, &out, tr)) {
            err = NAN;
            break;
        }
        for (int k = 0; k < NSAMPLES; k++)
            err = fmax(err, fabs(tr[k] - ref[p][k]));
    }
    free(u0);
    hr_kdv_destroy(s);
    return err;
}

static const char *scheme_name(const hr_kdv_params *p)
{
    return p->scheme == HR_KDV_SPECTRAL ? "spectral" : "fd";
}

/* One thread: create, one solve to t = 100, one fitness evaluation. */
static int bench_serial(const char *label, hr_kdv_params prm, int reps)
{
    double t0 = hr_now();
    evaluator e;
    int st = evaluator_init(&e, &prm);
    double t_create = hr_now() - t0;
    if (st) {
        evaluator_free(&e);
        return hr_cli_fail(HR_EXIT_FAIL, "bench_kdv");
    }
    printf("\n== %s: %s scheme, n = %d, dt = %g\n", label, scheme_name(&prm), hr_kdv_n(e.s),
           hr_kdv_dt(e.s));
    double acc = accuracy(&prm);
    printf("accuracy: max |u - u_ref| over the amp0 probe series = %.3e (tolerance 1e-3)\n",
           acc);
    printf("create (FFT plans, arrays): %.3f ms\n", 1e3 * t_create);

    /* One solve to t = 100. */
    double *times = malloc((size_t)reps * sizeof *times);
    hr_kdv_output out100 = {100, 0.1, 1, &e.probe};
    hr_kdv_ic ic = pattern_ic(0, prm.nu);
    hr_kdv_ic_sample(e.s, &ic, e.u0);
    for (int r = 0; r < reps; r++) {
        t0 = hr_now();
        st |= hr_kdv_run(e.s, e.u0, &out100, e.trace);
        times[r] = hr_now() - t0;
    }
    double t_solve = median(times, reps);
    printf("one solve to t = 100: %.2f ms (median of %d; fastest %.2f), %.2f us per step\n",
           1e3 * t_solve, reps, 1e3 * times[0],
           1e6 * t_solve / (1000 * ceil(0.1 / hr_kdv_dt(e.s) - 1e-9)));

    /* One XNOR fitness evaluation on one thread. */
    double det = NAN;
    for (int r = 0; r < reps; r++) {
        t0 = hr_now();
        st |= evaluate(&e, prm.nu, &det);
        times[r] = hr_now() - t0;
    }
    double t_eval = median(times, reps);
    printf("one XNOR fitness evaluation (4 solves to t = %.1f + 4x4 det), one thread: "
           "%.2f ms (median of %d; fastest %.2f)\n", e.t_end, 1e3 * t_eval, reps,
           1e3 * times[0]);
    printf("  |det X| = %.6e, det_abs_converged = %.6e (relative difference %.2e)\n", det,
           det_converged, fabs(det - det_converged) / det_converged);
    printf("  speed-up over the reference's %.0f s per evaluation: %.0fx\n", REFERENCE_SECONDS,
           REFERENCE_SECONDS / t_eval);
    free(times);
    evaluator_free(&e);
    return st ? hr_cli_fail(HR_EXIT_FAIL, "bench_kdv: a run failed") : HR_EXIT_OK;
}

/* Throughput with every core busy: one solver per thread, each evaluating
 * `per_thread` times; the median of three rounds. */
static int bench_parallel(const char *label, hr_kdv_params prm, int per_thread)
{
    int nthreads = omp_get_max_threads();
    double rates[3];
    int pst = HR_OK;
    for (int r = 0; r < 3; r++) {
        double t0 = hr_now();
#pragma omp parallel reduction(| : pst)
        {
            evaluator te;
            int ts = evaluator_init(&te, &prm);
            double d;
            for (int i = 0; i < per_thread && ts == HR_OK; i++)
                ts = evaluate(&te, prm.nu, &d);
            pst |= ts;
            evaluator_free(&te);
        }
        rates[r] = nthreads * per_thread / (hr_now() - t0);
    }
    double rate = median(rates, 3);
    printf("%s (%s): %.1f evaluations/s on %d threads, speed-up %.0fx over one reference "
           "process\n", label, scheme_name(&prm), rate, nthreads, REFERENCE_SECONDS * rate);
    return pst ? hr_cli_fail(HR_EXIT_FAIL, "bench_kdv: a run failed") : HR_EXIT_OK;
}

int main(void)
{
    hr_init();
    printf("KdV reservoir benchmark (reference genome amp0, %d OpenMP threads available)\n",
           omp_get_max_threads());
    hr_kdv_params def = hr_kdv_params_default(), acc = def, fd = def;
    acc.accurate = 1;
    fd.scheme = HR_KDV_FD;
    /* The one-thread figures first: idle OpenMP workers spinning after a
     * parallel region would otherwise compete with them. */
    int rc = bench_serial("default", def, 15);
    rc |= bench_serial("accurate", acc, 5);
    rc |= bench_serial("finite differences (default)", fd, 3);
    printf("\n== all cores: one solver per OpenMP thread\n");
    rc |= bench_parallel("default", def, 8);
    rc |= bench_parallel("accurate", acc, 3);
    rc |= bench_parallel("finite differences", fd, 1);
    return rc;
}
