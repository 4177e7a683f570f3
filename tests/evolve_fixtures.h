/* evolve_fixtures.h — known fitness functions and helpers shared by the
 * evolution tests (include after <cmocka.h>). The functions are
 * deterministic in the genome, as the engine's reproducibility needs. */
#ifndef HR_TEST_EVOLVE_FIXTURES_H
#define HR_TEST_EVOLVE_FIXTURES_H

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evolve/evolve.h"
#include "base/status.h"

/* What a test fitness function does besides computing the fitness. */
struct fx {
    int nthreads;                /* workers the evaluator was given */
    long count;                  /* evaluations so far (atomic) */
    int bad_worker;              /* set if a worker id was out of range */
    volatile sig_atomic_t *stop; /* raised to stop_value after stop_after calls */
    long stop_after;             /* 0: never */
    int stop_value;              /* 1 finish the batch, 2 abandon it */
    long exit_after;             /* _exit(0) after this many calls (0: never) */
    int fail;                    /* 1: fail some genomes on purpose */
};

/* Counts the call, checks the worker, raises the stop flag or exits when
 * told. */
static inline void fx_call(struct fx *x, int worker)
{
    long c;
#pragma omp atomic capture
    c = ++x->count;
    if (worker < 0 || worker >= (x->nthreads > 0 ? x->nthreads : 1))
        x->bad_worker = 1;
    if (x->stop && x->stop_after > 0 && c == x->stop_after)
        *x->stop = x->stop_value;
    if (x->exit_after > 0 && c >= x->exit_after)
        _exit(0); /* a kill: no cleanup, no checkpoint */
}

/* The centre of the shifted test functions, gene i. */
static inline double fx_shift(int i) { return 0.2385 + 0.0731 * i; }

/* Negated shifted sphere on [0, 1]^6: max 0 at fx_shift. Descriptor (when
 * asked for by a GA with ndesc 2): the first two genes. */
static inline int fx_sphere(void *ctx, int worker, const double *g, double *f, double *d)
{
    struct fx *x = ctx;
    fx_call(x, worker);
    double s = 0;
    for (int i = 0; i < 6; i++)
        s += (g[i] - fx_shift(i)) * (g[i] - fx_shift(i));
    *f = -s;
    if (d) {
        d[0] = g[0];
        d[1] = g[1];
    }
    return 0;
}

/* Negated shifted Rastrigin in 6-D on genes in [-5.12, 5.12]: max 0 at
 * x_i = 1.2385 - 0.31 i; many local maxima. */
static inline int fx_rastrigin(void *ctx, int worker, const double *g, double *f, double *d)
{
    struct fx *x = ctx;
    fx_call(x, worker);
    double s = 60;
    for (int i = 0; i < 6; i++) {
        double y = g[i] - (1.2385 - 0.31 * i);
        s += y * y - 10 * cos(2 * M_PI * y);
    }
    *f = -s;
    return 0;
}

/* A MAP-Elites test function on 4 genes in [0, 1]: descriptor (g0, g1),
 * fitness smooth in g2, g3 with a descriptor-dependent optimum. With
 * x->fail: genomes with g0 < 0.05 fail with a status and message, with
 * 0.05 <= g0 < 0.08 return a NaN fitness, with g1 > 0.97 an infinite
 * descriptor. */
static inline int fx_qd(void *ctx, int worker, const double *g, double *f, double *d)
{
    struct fx *x = ctx;
    fx_call(x, worker);
    if (x->fail && g[0] < 0.05)
        return HR_ERROR(HR_EUNSTABLE, "test solver blew up at g0 = %.3f (needs g0 >= 0.05)",
                        g[0]);
    *f = 1.0 - (g[2] - g[0]) * (g[2] - g[0]) - (g[3] - 0.5 * g[1]) * (g[3] - 0.5 * g[1]);
    if (x->fail && g[0] < 0.08)
        *f = NAN;
    d[0] = g[0];
    d[1] = x->fail && g[1] > 0.97 ? INFINITY : g[1];
    return 0;
}

/* A GA test function that fails on purpose: status for g0 < 0.2, NaN for
 * 0.2 <= g0 < 0.3, else the sphere. */
static inline int fx_sphere_failing(void *ctx, int worker, const double *g, double *f, double *d)
{
    struct fx *x = ctx;
    if (g[0] < 0.2) {
        fx_call(x, worker);
        return HR_ERROR(HR_EUNSTABLE, "test solver diverged (g0 = %.3f < 0.2)", g[0]);
    }
    int s = fx_sphere(ctx, worker, g, f, d);
    if (g[0] < 0.3)
        *f = NAN;
    return s;
}

/* Bitwise equality of two doubles (NaN payloads and signed zeros too). */
static inline int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Asserts that two optimisers hold bitwise the same result: counters, best,
 * and every individual (genome, fitness, descriptor, cell) in order. */
static inline void assert_same_state(const hr_evo *a, const hr_evo *b)
{
    const hr_evo_config *ca = hr_evo_get_config(a);
    int n = ca->ngenes, nd = ca->ndesc;
    assert_int_equal(hr_evo_generations(a), hr_evo_generations(b));
    assert_int_equal(hr_evo_evaluations(a), hr_evo_evaluations(b));
    assert_int_equal(hr_evo_failures(a), hr_evo_failures(b));
    assert_int_equal(hr_evo_size(a), hr_evo_size(b));
    double *ga = calloc((size_t)(2 * (n + nd)), sizeof(double)), *gb = ga + n + nd;
    double fa, fb;
    assert_int_equal(hr_evo_best(a, ga, &fa, ga + n), hr_evo_best(b, gb, &fb, gb + n));
    assert_true(same_bits(fa, fb));
    assert_memory_equal(ga, gb, (size_t)(n + nd) * sizeof(double));
    for (long i = 0; i < hr_evo_size(a); i++) {
        long cella, cellb;
        assert_int_equal(hr_evo_individual(a, i, ga, &fa, ga + n, &cella), HR_OK);
        assert_int_equal(hr_evo_individual(b, i, gb, &fb, gb + n, &cellb), HR_OK);
        assert_true(same_bits(fa, fb));
        assert_int_equal(cella, cellb);
        assert_memory_equal(ga, gb, (size_t)(n + nd) * sizeof(double));
    }
    free(ga);
}

/* Makes a fresh temporary directory; returns its malloc'd path. It is in
 * /dev/shm when that is writable (fsync is cheap there: the tests write
 * hundreds of checkpoints and must not wait on a busy disk), else in /tmp. */
static inline char *fx_tmpdir(void)
{
    char *dir = strdup(access("/dev/shm", W_OK) == 0 ? "/dev/shm/hr_evo_test.XXXXXX"
                                                     : "/tmp/hr_evo_test.XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    return dir;
}

/* "dir/name" in a static buffer (one of four, rotating). */
static inline const char *fx_path(const char *dir, const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Counts the files in dir whose names start with prefix. */
static inline int fx_count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

/* Removes the files in dir (flat) and dir, and frees the path. */
static inline void fx_rmdir(char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            unlink(fx_path(dir, e->d_name));
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

/* A log sink counting lines and keeping the last one. */
struct fx_log {
    int lines;        /* lines received */
    char last[1024];  /* the last line */
    char first[1024]; /* the first line */
};

static inline void fx_log_line(void *ctx, const char *line)
{
    struct fx_log *l = ctx;
    if (l->lines == 0)
        snprintf(l->first, sizeof l->first, "%s", line);
    l->lines++;
    snprintf(l->last, sizeof l->last, "%s", line);
}

#endif
