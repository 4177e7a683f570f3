/* kdv_reference.c — conformance of the KdV solver with the reference data of
 * tests/reference/kdv (see its README.md).
 *
 *     kdv_reference DIR [--accurate] [--scheme spectral|fd] [--n N] [--dt DT]
 *
 * Reads DIR/cases.csv, DIR/packets.csv and DIR/probe.csv, solves every case
 * and pattern from the reference initial condition, and prints per series
 * the largest |u - u_ref| over its 1001 samples, and per case |det X| beside
 * the reference's det_abs and det_abs_converged. Each DIR/field_<case>_p<k>
 * _t50.csv (the whole field at t = 50) is compared too, on the reference's
 * 1025 points (Fourier interpolation of the solver's grid field). Exit
 * status: 0 if every series and field is within 1e-3 of the reference and
 * every |det X| within 20% (1% with --accurate) of det_abs_converged; 1 if
 * not; 2 for bad usage or input files (reported as file:line). --n and --dt
 * override the grid and time step (for refinement studies; the tolerances
 * stay those of the setting). */
#include <complex.h>
#include <errno.h>
#include <fftw3.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>
#include <omp.h>

#include "base/clock.h"
#include "interface/cli.h"
#include "base/status.h"
#include "shallowwater/kdv.h"

#define MAX_CASES 64
#define MAX_PATTERNS 8
#define MAX_GENES 64
#define MAX_FIELDS 8
#define NSAMPLES 1001 /* t = 0, 0.1, ..., 100 */
#define DT_OUT 0.1
#define T_END 100.0
#define SERIES_TOL 1e-3

typedef struct pattern {
    int present;
    hr_kdv_ic ic;
    double *ref;      /* NSAMPLES reference probe values */
    int nref;         /* samples read so far */
    double *u;        /* NSAMPLES computed probe values */
    double maxerr;    /* max |u - ref| */
    int status;       /* solver status */
    char message[512];
} pattern;

typedef struct kcase {
    char name[64], task[64];
    double genes[MAX_GENES];
    int ngenes;
    double det_abs, det_conv;
    int npatterns;          /* patterns expected: the number of readout times */
    int first_gene;         /* the readout genes are first_gene .. + npatterns - 1 */
    pattern pat[MAX_PATTERNS];
} kcase;

static kcase cases[MAX_CASES];
static int ncases;

/* Reads one line into buf without its line ending. Returns 0 at end of file,
 * -1 if the line is too long. */
static int read_line(FILE *f, char *buf, size_t size)
{
    if (!fgets(buf, (int)size, f))
        return 0;
    size_t len = strlen(buf);
    if (len == size - 1 && buf[len - 1] != '\n' && !feof(f))
        return -1;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = '\0';
    return 1;
}

/* Splits buf in place at `sep`; returns the number of fields (at most max). */
static int split(char *buf, char sep, char **fields, int max)
{
    int nf = 0;
    char *p = buf;
    for (;;) {
        if (nf == max)
            return max + 1;
        fields[nf++] = p;
        char *q = strchr(p, sep);
        if (!q)
            return nf;
        *q = '\0';
        p = q + 1;
    }
}

static int parse_double(const char *s, double *x)
{
    char *end;
    errno = 0;
    *x = strtod(s, &end);
    return end != s && *end == '\0' && errno == 0 && isfinite(*x);
}

static int parse_int(const char *s, int *x)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno || v < 0 || v > 1000000)
        return 0;
    *x = (int)v;
    return 1;
}

/* Parses a ';'-separated list of numbers. */
static int parse_list(char *s, double *x, int max, int *count)
{
    char *items[MAX_GENES + 2];
    int ni = split(s, ';', items, max);
    if (ni > max)
        return 0;
    for (int i = 0; i < ni; i++)
        if (!parse_double(items[i], &x[i]))
            return 0;
    *count = ni;
    return 1;
}

static kcase *find_case(const char *name)
{
    for (int i = 0; i < ncases; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return NULL;
}

#define FAIL(path, line, ...)                                    \
    do {                                                         \
        fprintf(stderr, "kdv_reference: %s:%d: ", path, line);   \
        fprintf(stderr, __VA_ARGS__);                            \
        fprintf(stderr, "\n");                                   \
        fclose(f);                                               \
        return 0;                                                \
    } while (0)

static FILE *open_csv(const char *dir, const char *name, const char *header, char *path,
                      size_t size)
{
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "kdv_reference: %s: cannot open: %s\n", path, strerror(errno));
        return NULL;
    }
    char buf[256];
    int r = read_line(f, buf, sizeof buf);
    if (r != 1 || strcmp(buf, header) != 0) {
        fprintf(stderr, "kdv_reference: %s:1: expected the header '%s'\n", path, header);
        fclose(f);
        return NULL;
    }
    return f;
}

static int read_cases(const char *dir)
{
    char path[4096], buf[8192];
    FILE *f = open_csv(dir, "cases.csv", "case,task,genome,det_abs,det_abs_converged", path,
                       sizeof path);
    if (!f)
        return 0;
    int line = 1, r;
    while ((r = read_line(f, buf, sizeof buf)) != 0) {
        line++;
        if (r < 0)
            FAIL(path, line, "line too long (allowed: %zu characters)", sizeof buf - 2);
        if (buf[0] == '\0')
            continue;
        char *fl[MAX_FIELDS];
        int nf = split(buf, ',', fl, MAX_FIELDS);
        if (nf != 5)
            FAIL(path, line, "expected 5 comma-separated fields, got %d", nf);
        if (ncases == MAX_CASES)
            FAIL(path, line, "too many cases (allowed: %d)", MAX_CASES);
        kcase *c = &cases[ncases];
        memset(c, 0, sizeof *c);
        if (fl[0][0] == '\0' || strlen(fl[0]) >= sizeof c->name || find_case(fl[0]))
            FAIL(path, line, "case name '%s' is empty, too long or repeated", fl[0]);
        strcpy(c->name, fl[0]);
        snprintf(c->task, sizeof c->task, "%s", fl[1]);
        if (!parse_list(fl[2], c->genes, MAX_GENES, &c->ngenes))
            FAIL(path, line, "genome '%s' is not a ';'-separated list of at most %d numbers",
                 fl[2], MAX_GENES);
        if (!parse_double(fl[3], &c->det_abs) || !parse_double(fl[4], &c->det_conv) ||
            c->det_conv <= 0)
            FAIL(path, line, "det_abs '%s' and det_abs_converged '%s' must be numbers "
                 "(the latter > 0)", fl[3], fl[4]);
        if (strncmp(c->task, "xnor-", 5) == 0) {
            c->npatterns = 4;
            c->first_gene = 6;
        } else if (strcmp(c->task, "regression-digits") == 0) {
            c->npatterns = 8;
            c->first_gene = 20;
        } else {
            FAIL(path, line, "unknown task '%s' (allowed: xnor-amplitude, xnor-frequency, "
                 "regression-digits)", c->task);
        }
        if (c->ngenes < c->first_gene + c->npatterns)
            FAIL(path, line, "task %s needs at least %d genes, got %d", c->task,
                 c->first_gene + c->npatterns, c->ngenes);
        for (int g = 0; g < c->ngenes; g++)
            if (c->genes[g] < 0 || c->genes[g] > 1)
                FAIL(path, line, "gene %d = %g is outside [0, 1]", g, c->genes[g]);
        ncases++;
    }
    fclose(f);
    if (ncases == 0) {
        fprintf(stderr, "kdv_reference: %s: no cases\n", path);
        return 0;
    }
    return 1;
}

/* Splits a "case,pattern,a,b" row into fl[0..3] and finds its pattern;
 * NULL (with the message printed) if the row is malformed. */
static pattern *row_pattern(char *buf, const char *path, int line, char **fl, kcase **cp,
                            int *pp)
{
    int nf = split(buf, ',', fl, MAX_FIELDS);
    const char *why = NULL;
    kcase *c = NULL;
    int p = 0;
    if (nf != 4)
        why = "expected 4 comma-separated fields";
    else if (!(c = find_case(fl[0])))
        why = "the case is not in cases.csv";
    else if (!parse_int(fl[1], &p) || p >= c->npatterns)
        why = "the pattern is not an integer in [0, patterns of the case)";
    if (why) {
        fprintf(stderr, "kdv_reference: %s:%d: %s (the row has %d fields: case '%s', pattern "
                "'%s')\n", path, line, why, nf, nf > 0 ? fl[0] : "", nf > 1 ? fl[1] : "");
        return NULL;
    }
    *cp = c;
    *pp = p;
    return &c->pat[p];
}

static int read_packets(const char *dir, double nu)
{
    char path[4096], buf[8192];
    FILE *f = open_csv(dir, "packets.csv", "case,pattern,eps,k", path, sizeof path);
    if (!f)
        return 0;
    int line = 1, r;
    while ((r = read_line(f, buf, sizeof buf)) != 0) {
        line++;
        if (r < 0)
            FAIL(path, line, "line too long (allowed: %zu characters)", sizeof buf - 2);
        if (buf[0] == '\0')
            continue;
        char *fl[MAX_FIELDS];
        kcase *c;
        int p;
        pattern *pt = row_pattern(buf, path, line, fl, &c, &p);
        if (!pt) {
            fclose(f);
            return 0;
        }
        if (pt->present)
            FAIL(path, line, "case %s pattern %d is repeated", c->name, p);
        pt->present = 1;
        pt->ic = hr_kdv_ic_reference(nu);
        int ne, nk;
        if (!parse_list(fl[2], pt->ic.eps, HR_KDV_MAX_PACKETS, &ne) ||
            !parse_list(fl[3], pt->ic.k, HR_KDV_MAX_PACKETS, &nk) || ne != nk)
            FAIL(path, line, "eps '%s' and k '%s' must be ';'-separated lists of the same "
                 "length (at most %d numbers)", fl[2], fl[3], HR_KDV_MAX_PACKETS);
        pt->ic.npackets = ne;
        if (hr_kdv_ic_check(&pt->ic, nu))
            FAIL(path, line, "%s", hr_error_message());
        pt->ref = calloc(NSAMPLES, sizeof *pt->ref);
        pt->u = calloc(NSAMPLES, sizeof *pt->u);
        if (!pt->ref || !pt->u)
            FAIL(path, line, "out of memory");
    }
    fclose(f);
    for (int i = 0; i < ncases; i++)
        for (int p = 0; p < cases[i].npatterns; p++)
            if (!cases[i].pat[p].present) {
                fprintf(stderr, "kdv_reference: %s: case %s has no pattern %d\n", path,
                        cases[i].name, p);
                return 0;
            }
    return 1;
}

static int read_probe(const char *dir)
{
    char path[4096], buf[512];
    FILE *f = open_csv(dir, "probe.csv", "case,pattern,t,u", path, sizeof path);
    if (!f)
        return 0;
    int line = 1, r;
    while ((r = read_line(f, buf, sizeof buf)) != 0) {
        line++;
        if (r < 0)
            FAIL(path, line, "line too long (allowed: %zu characters)", sizeof buf - 2);
        if (buf[0] == '\0')
            continue;
        char *fl[MAX_FIELDS];
        kcase *c;
        int p;
        pattern *pt = row_pattern(buf, path, line, fl, &c, &p);
        if (!pt) {
            fclose(f);
            return 0;
        }
        double t, u;
        if (!parse_double(fl[2], &t) || !parse_double(fl[3], &u))
            FAIL(path, line, "t '%s' and u '%s' must be finite numbers", fl[2], fl[3]);
        if (pt->nref >= NSAMPLES)
            FAIL(path, line, "case %s pattern %d has more than %d samples", c->name, p,
                 NSAMPLES);
        if (fabs(t - pt->nref * DT_OUT) > 1e-6)
            FAIL(path, line, "case %s pattern %d: t = %g, expected %g (samples in order, "
                 "spaced %g)", c->name, p, t, pt->nref * DT_OUT, DT_OUT);
        pt->ref[pt->nref++] = u;
    }
    fclose(f);
    for (int i = 0; i < ncases; i++)
        for (int p = 0; p < cases[i].npatterns; p++)
            if (cases[i].pat[p].nref != NSAMPLES) {
                fprintf(stderr, "kdv_reference: %s: case %s pattern %d has %d samples, "
                        "expected %d\n", path, cases[i].name, p, cases[i].pat[p].nref,
                        NSAMPLES);
                return 0;
            }
    return 1;
}

/* |det X| with X[p][j] = u_p(t_j), t_j = 40 + 20 g (sample floor(10 t)). */
static double det_abs(const kcase *c, int *ok)
{
    const int m = c->npatterns;
    gsl_matrix *x = gsl_matrix_alloc((size_t)m, (size_t)m);
    gsl_permutation *perm = gsl_permutation_alloc((size_t)m);
    double d = NAN;
    *ok = 0;
    if (x && perm) {
        for (int p = 0; p < m; p++)
            for (int j = 0; j < m; j++) {
                double t = 40 + 20 * c->genes[c->first_gene + j];
                int idx = (int)floor(10 * t);
                gsl_matrix_set(x, (size_t)p, (size_t)j, c->pat[p].u[idx]);
            }
        int sign;
        if (gsl_linalg_LU_decomp(x, perm, &sign) == GSL_SUCCESS) {
            d = fabs(gsl_linalg_LU_det(x, sign));
            *ok = 1;
        }
    }
    gsl_matrix_free(x);
    gsl_permutation_free(perm);
    return d;
}

#define FIELD_POINTS 1025 /* the reference's samples, xi_j = j L / 1025 */

/* Reads DIR/field_<case>_p<k>_t50.csv into u (FIELD_POINTS values). */
static int read_field(const char *path, double *u)
{
    char buf[512];
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "kdv_reference: %s: cannot open: %s\n", path, strerror(errno));
        return 0;
    }
    int line = 1, r, count = 0;
    if (read_line(f, buf, sizeof buf) != 1 || strcmp(buf, "j,x,u") != 0)
        FAIL(path, 1, "expected the header 'j,x,u'");
    while ((r = read_line(f, buf, sizeof buf)) != 0) {
        line++;
        if (r < 0)
            FAIL(path, line, "line too long");
        if (buf[0] == '\0')
            continue;
        char *fl[MAX_FIELDS];
        int j;
        double x;
        if (split(buf, ',', fl, MAX_FIELDS) != 3)
            FAIL(path, line, "expected 3 comma-separated fields");
        if (!parse_int(fl[0], &j) || j != count || j >= FIELD_POINTS)
            FAIL(path, line, "j = '%s', expected %d (rows in order, at most %d)", fl[0], count,
                 FIELD_POINTS);
        if (!parse_double(fl[1], &x) || !parse_double(fl[2], &u[count]))
            FAIL(path, line, "x '%s' and u '%s' must be finite numbers", fl[1], fl[2]);
        count++;
    }
    fclose(f);
    if (count != FIELD_POINTS) {
        fprintf(stderr, "kdv_reference: %s: %d rows, expected %d\n", path, count, FIELD_POINTS);
        return 0;
    }
    return 1;
}

/* max |u - ref| at xi_j = j L / 1025 of the grid field u (n points), by
 * evaluating its Fourier series there. */
static double field_error(const double *u, int n, const double *ref)
{
    double *in = fftw_malloc((size_t)n * sizeof *in);
    fftw_complex *c = fftw_malloc((size_t)(n / 2 + 1) * sizeof *c);
    double err = INFINITY;
    if (in && c) {
        memcpy(in, u, (size_t)n * sizeof *in);
        fftw_plan p;
#pragma omp critical(hr_fftw_planner)
        p = fftw_plan_dft_r2c_1d(n, in, c, FFTW_ESTIMATE);
        fftw_execute(p);
#pragma omp critical(hr_fftw_planner)
        fftw_destroy_plan(p);
        err = 0;
        for (int j = 0; j < FIELD_POINTS; j++) {
            double frac = (double)j / FIELD_POINTS, v = creal(c[0]);
            for (int m = 1; m < (n + 1) / 2; m++)
                v += 2 * creal(c[m] * cexp(2 * M_PI * I * fmod(m * frac, 1.0)));
            if (n % 2 == 0)
                v += creal(c[n / 2]) * cos(M_PI * n * frac);
            err = fmax(err, fabs(v / n - ref[j]));
        }
    }
    fftw_free(in);
    fftw_free(c);
    return err;
}

/* Compares every DIR/field_<case>_p<k>_t50.csv with the solver's field at
 * t = 50. Returns 0 on success, 1 if a field is off, 2 for bad files. */
static int check_fields(const char *dir, const hr_kdv_params *prm, double tol)
{
    char glob_pat[4096];
    snprintf(glob_pat, sizeof glob_pat, "%s/field_*_p*_t50.csv", dir);
    glob_t g;
    int gs = glob(glob_pat, 0, NULL, &g);
    if (gs == GLOB_NOMATCH) {
        printf("\nno field_*_t50.csv files in %s\n", dir);
        return 0;
    }
    if (gs != 0) {
        fprintf(stderr, "kdv_reference: %s: cannot list the field files\n", glob_pat);
        return 2;
    }
    int rc = 0;
    printf("\n%-10s %7s %14s   (whole field at t = 50, %d points)\n", "case", "pattern",
           "max|u-u_ref|", FIELD_POINTS);
    double *ref = malloc(FIELD_POINTS * sizeof *ref);
    for (size_t i = 0; i < g.gl_pathc && rc != 2; i++) {
        const char *path = g.gl_pathv[i];
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        /* field_<case>_p<k>_t50.csv: cut the suffix, then the last "_p". */
        char name[256];
        snprintf(name, sizeof name, "%s", base + strlen("field_"));
        size_t len = strlen(name), suffix = strlen("_t50.csv");
        char *pk = NULL;
        if (len > suffix && strcmp(name + len - suffix, "_t50.csv") == 0) {
            name[len - suffix] = '\0';
            for (char *q = strstr(name, "_p"); q; q = strstr(q + 1, "_p"))
                pk = q;
        }
        int k;
        if (!pk || pk == name) {
            fprintf(stderr, "kdv_reference: %s: name is not field_<case>_p<k>_t50.csv\n", path);
            rc = 2;
            break;
        }
        *pk = '\0';
        kcase *c = find_case(name);
        if (!c || !parse_int(pk + 2, &k) || k >= c->npatterns) {
            fprintf(stderr, "kdv_reference: %s: case '%s' pattern '%s' is not in cases.csv\n",
                    path, name, pk + 2);
            rc = 2;
            break;
        }
        if (!ref || !read_field(path, ref)) {
            rc = 2;
            break;
        }
        hr_kdv *s = NULL;
        double err = INFINITY;
        double *u0 = NULL;
        int st = hr_kdv_create(&s, prm);
        if (st == HR_OK && (u0 = malloc((size_t)hr_kdv_n(s) * sizeof *u0)) != NULL) {
            hr_kdv_ic_sample(s, &c->pat[k].ic, u0);
            hr_kdv_output out = {50, 50, 0, NULL};
            st = hr_kdv_run(s, u0, &out, NULL);
            if (st == HR_OK)
                err = field_error(hr_kdv_state(s), hr_kdv_n(s), ref);
        }
        int bad = !(err <= tol);
        if (st)
            printf("%-10s %7d %14s  %s\n", name, k, "FAILED", hr_error_message());
        else
            printf("%-10s %7d %14.3e%s\n", name, k, err, bad ? "  FAIL" : "");
        if (bad)
            rc = 1;
        free(u0);
        hr_kdv_destroy(s);
    }
    free(ref);
    globfree(&g);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: kdv_reference DIR [--accurate] [--scheme spectral|fd] [--n N] "
               "[--dt DT]\n");
}

static void free_all(void)
{
    for (int i = 0; i < ncases; i++)
        for (int p = 0; p < cases[i].npatterns; p++) {
            free(cases[i].pat[p].ref);
            free(cases[i].pat[p].u);
        }
}

static int run(int argc, char **argv);

int main(int argc, char **argv)
{
    hr_init();
    int rc = run(argc, argv);
    free_all();
    return rc;
}

static int run(int argc, char **argv)
{
    const char *dir = NULL;
    hr_kdv_params prm = hr_kdv_params_default();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--accurate") == 0) {
            prm.accurate = 1;
        } else if (strcmp(argv[i], "--scheme") == 0 && i + 1 < argc) {
            i++;
            if (strcmp(argv[i], "spectral") == 0)
                prm.scheme = HR_KDV_SPECTRAL;
            else if (strcmp(argv[i], "fd") == 0)
                prm.scheme = HR_KDV_FD;
            else {
                fprintf(stderr, "kdv_reference: --scheme '%s' (allowed: spectral, fd)\n",
                        argv[i]);
                return HR_EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "--n") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v <= 0 || v > 1 << 24) {
                fprintf(stderr, "kdv_reference: --n '%s' must be a positive integer\n",
                        argv[i]);
                return HR_EXIT_USAGE;
            }
            prm.n = (int)v;
        } else if (strcmp(argv[i], "--dt") == 0 && i + 1 < argc) {
            char *end;
            prm.dt = strtod(argv[++i], &end);
            if (*end || !(prm.dt > 0)) {
                fprintf(stderr, "kdv_reference: --dt '%s' must be a positive number\n",
                        argv[i]);
                return HR_EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return HR_EXIT_OK;
        } else if (argv[i][0] != '-' && !dir) {
            dir = argv[i];
        } else {
            fprintf(stderr, "kdv_reference: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return HR_EXIT_USAGE;
        }
    }
    if (!dir) {
        usage(stderr);
        return HR_EXIT_USAGE;
    }
    if (!read_cases(dir) || !read_packets(dir, prm.nu) || !read_probe(dir))
        return HR_EXIT_USAGE;

    /* Check the settings once, serially, so a bad --n/--dt is said once. */
    hr_kdv *probe_solver;
    if (hr_kdv_create(&probe_solver, &prm))
        return hr_cli_fail(HR_EXIT_USAGE, "kdv_reference");
    int n = hr_kdv_n(probe_solver);
    double dt = hr_kdv_dt(probe_solver);
    hr_kdv_destroy(probe_solver);

    int nseries = 0;
    pattern *series[MAX_CASES * MAX_PATTERNS];
    for (int i = 0; i < ncases; i++)
        for (int p = 0; p < cases[i].npatterns; p++)
            series[nseries++] = &cases[i].pat[p];

    const double probe = hr_kdv_reference_probe(prm.length);
    const hr_kdv_output out = {T_END, DT_OUT, 1, &probe};
    double t0 = hr_now();
#pragma omp parallel
    {
        hr_kdv *s = NULL;
        int cs = hr_kdv_create(&s, &prm);
        double *u0 = malloc((size_t)n * sizeof *u0);
#pragma omp for schedule(dynamic, 1)
        for (int i = 0; i < nseries; i++) {
            pattern *pt = series[i];
            int st = cs ? cs : !u0 ? HR_ENOMEM : HR_OK;
            if (st == HR_OK) {
                hr_kdv_ic_sample(s, &pt->ic, u0);
                st = hr_kdv_run(s, u0, &out, pt->u);
            }
            pt->status = st;
            if (st)
                snprintf(pt->message, sizeof pt->message, "%s", hr_error_message());
            pt->maxerr = 0;
            for (int k = 0; k < NSAMPLES && st == HR_OK; k++) {
                double e = fabs(pt->u[k] - pt->ref[k]);
                if (!(e <= pt->maxerr))
                    pt->maxerr = e;
            }
        }
        free(u0);
        hr_kdv_destroy(s);
    }
    double elapsed = hr_now() - t0;

    const double det_tol = prm.accurate ? 0.01 : 0.20;
    int failed = 0;
    printf("KdV reference conformance: %s scheme, n = %d, dt = %g%s; %d series in %.2f s\n",
           prm.scheme == HR_KDV_SPECTRAL ? "spectral" : "fd", n, dt,
           prm.accurate ? " (accurate)" : "", nseries, elapsed);
    printf("tolerances: max|u - u_ref| <= %g per series, |det X| within %g%% of "
           "det_abs_converged\n\n", SERIES_TOL, 100 * det_tol);
    printf("%-10s %7s %14s\n", "case", "pattern", "max|u-u_ref|");
    double worst = 0;
    for (int i = 0; i < ncases; i++)
        for (int p = 0; p < cases[i].npatterns; p++) {
            pattern *pt = &cases[i].pat[p];
            if (pt->status) {
                printf("%-10s %7d %14s  %s\n", cases[i].name, p, "FAILED", pt->message);
                failed = 1;
                continue;
            }
            int bad = !(pt->maxerr <= SERIES_TOL);
            failed |= bad;
            if (pt->maxerr > worst)
                worst = pt->maxerr;
            printf("%-10s %7d %14.3e%s\n", cases[i].name, p, pt->maxerr, bad ? "  FAIL" : "");
        }
    printf("\n%-10s %14s %14s %18s %12s %12s\n", "case", "|det X|", "det_abs",
           "det_abs_converged", "rel(conv)", "rel(ref)");
    double worst_det = 0;
    for (int i = 0; i < ncases; i++) {
        kcase *c = &cases[i];
        int ok = 1;
        for (int p = 0; p < c->npatterns; p++)
            ok &= c->pat[p].status == HR_OK;
        double d = ok ? det_abs(c, &ok) : NAN;
        double rc = fabs(d - c->det_conv) / c->det_conv;
        double rr = fabs(d - c->det_abs) / fabs(c->det_abs);
        int bad = !ok || !(rc <= det_tol);
        failed |= bad;
        if (ok && rc > worst_det)
            worst_det = rc;
        printf("%-10s %14.6e %14.6e %18.6e %12.3e %12.3e%s\n", c->name, d, c->det_abs,
               c->det_conv, rc, rr, bad ? "  FAIL" : "");
    }
    int frc = check_fields(dir, &prm, SERIES_TOL);
    if (frc == 2)
        return HR_EXIT_USAGE;
    failed |= frc;
    printf("\nworst series error %.3e (tolerance %g); worst |det X| relative error %.3e "
           "(tolerance %g): %s\n", worst, SERIES_TOL, worst_det, det_tol,
           failed ? "FAIL" : "PASS");
    return failed ? HR_EXIT_FAIL : HR_EXIT_OK;
}
