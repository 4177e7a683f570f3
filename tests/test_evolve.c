/* test_evolve.c — the optimisers on known functions: the GA improves the
 * shifted sphere and Rastrigin functions, MAP-Elites fills its grid with the
 * best genome of each cell, results do not depend on the thread count,
 * failed evaluations are logged and never stop a run, configurations are
 * validated, and the run driver honours its budget and reports progress. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/evolve_fixtures.h"
#include "tests/test_util.h"

static const double rast_lo[6] = {-5.12, -5.12, -5.12, -5.12, -5.12, -5.12};
static const double rast_hi[6] = {5.12, 5.12, 5.12, 5.12, 5.12, 5.12};

/* Runs `evo` for `gens` generations with fn on nthreads threads. */
static void run_gens(hr_evo *evo, hr_evo_eval_fn fn, struct fx *x, int nthreads, long gens)
{
    x->nthreads = nthreads;
    hr_evo_evaluator ev = {.eval = fn, .ctx = x, .nthreads = nthreads};
    hr_evo_run_options opt = {.budget = {.max_generations = gens}};
    enum hr_evo_stop why;
    assert_status(hr_evo_run(evo, &ev, &opt, &why), HR_OK);
    assert_int_equal(why, HR_EVO_MAX_GENERATIONS);
    assert_int_equal(hr_evo_generations(evo), gens);
    assert_false(x->bad_worker);
}

/* The best of the initial population, then the best after 60 (sphere) or
 * 150 (Rastrigin) generations: the GA must reach a best at least 100 times
 * closer to the optimum on the sphere (and within 1e-3), and 10 times on
 * Rastrigin (and above -4.5), with both crossovers. */
static void test_ga_improves(void **state)
{
    for (int fn = 0; fn < 2; fn++) {
        for (int cx = HR_EVO_BLX; cx <= HR_EVO_SBX; cx++) {
            hr_evo_config cfg;
            hr_evo_config_default(&cfg, HR_EVO_GA, 6);
            cfg.seed = 2385 + (uint64_t)(10 * fn + cx);
            cfg.population = 40;
            cfg.crossover = cx;
            cfg.mutation_rate = 0.3;
            cfg.mutation_sigma = 0.05;
            long gens = 60;
            if (fn == 1) {
                cfg.lo = rast_lo;
                cfg.hi = rast_hi;
                cfg.population = 60;
                cfg.mutation_rate = 0.2;
                gens = 150;
            }
            hr_evo_eval_fn f = fn == 0 ? fx_sphere : fx_rastrigin;
            hr_evo *evo;
            struct fx x = {0};
            assert_status(hr_evo_create(&cfg, &evo), HR_OK);
            run_gens(evo, f, &x, 1, 1);
            double initial, final;
            assert_status(hr_evo_best(evo, NULL, &initial, NULL), HR_OK);
            run_gens(evo, f, &x, 1, gens);
            double g[6];
            assert_status(hr_evo_best(evo, g, &final, NULL), HR_OK);
            assert_int_equal(hr_evo_evaluations(evo),
                             cfg.population + (gens - 1) * (cfg.population - cfg.elites));
            print_message("      %s/%s: best %.4g -> %.4g\n", fn ? "rastrigin" : "sphere",
                          cx == HR_EVO_BLX ? "BLX" : "SBX", initial, final);
            assert_true(initial < 0 && final <= 0);
            assert_true(-final < -initial / (fn == 0 ? 100 : 10));
            /* Rastrigin's local maxima near the optimum are at -1, -2, ... */
            assert_true(final > (fn == 0 ? -1e-3 : -4.5));
            /* The best genome is where the fitness says. */
            double f2;
            f(&x, 0, g, &f2, NULL);
            assert_true(same_bits(f2, final));
            /* Elitism: the best ever is still in the population. */
            hr_evo_progress p;
            hr_evo_summary(evo, &p);
            assert_true(same_bits(p.best, final));
            hr_evo_destroy(evo);
        }
    }
}

/* Per-gene bounds: a fixed gene (lo = hi) stays fixed, every genome of
 * every generation stays in its bounds. */
static int bounds_eval(void *ctx, int worker, const double *g, double *f, double *d)
{
    const double *lo = ctx, *hi = lo + 3;
    for (int i = 0; i < 3; i++)
        if (!(g[i] >= lo[i] && g[i] <= hi[i]))
            return HR_ERROR(HR_ERANGE, "gene %d = %g outside [%g, %g]", i, g[i], lo[i], hi[i]);
    *f = -fabs(g[0] - 7.1) - fabs(g[2] + 0.3);
    if (d) {
        d[0] = g[0];
        d[1] = g[2];
    }
    return 0;
}

static void test_bounds_in_runs(void **state)
{
    double b[6] = {7, 2.385, -1, 8, 2.385, 1};
    for (int kind = HR_EVO_GA; kind <= HR_EVO_MAP_ELITES; kind++) {
        hr_evo_config cfg;
        hr_evo_config_default(&cfg, kind, 3);
        cfg.lo = b;
        cfg.hi = b + 3;
        cfg.mutation_sigma = 2.0; /* pushes hard against the bounds */
        cfg.initial = 50;
        cfg.batch = 25;
        double dlo[2] = {7, -1}, dhi[2] = {8, 1};
        int bins[2] = {10, 10};
        cfg.desc_lo = dlo;
        cfg.desc_hi = dhi;
        cfg.bins = bins;
        hr_evo *evo;
        assert_status(hr_evo_create(&cfg, &evo), HR_OK);
        hr_evo_evaluator ev = {.eval = bounds_eval, .ctx = b};
        hr_evo_run_options opt = {.budget = {.max_evaluations = 1000}};
        struct fx_log log = {0};
        ev.log = fx_log_line;
        ev.log_ctx = &log;
        assert_status(hr_evo_run(evo, &ev, &opt, NULL), HR_OK);
        assert_int_equal(log.lines, 0);
        assert_int_equal(hr_evo_failures(evo), 0);
        for (long i = 0; i < hr_evo_size(evo); i++) {
            double g[3];
            hr_evo_individual(evo, i, g, NULL, NULL, NULL);
            assert_true(g[1] == 2.385);
        }
        hr_evo_destroy(evo);
    }
}

/* MAP-Elites with the reference's settings (2000 random genomes, then
 * mutants of uniform elites with sigma 0.1, 50 x 50 grid over [0, 1]^2),
 * descriptor = the first two genes: after 10000 evaluations more than 95%
 * of the cells are filled (2000 random genomes alone fill ~55%), and each
 * elite is the best genome ever evaluated in its cell. */
#define QD_MAX 20000
struct qd_record {
    struct fx fx;            /* counters */
    long n;                  /* evaluations recorded */
    double g[QD_MAX][4];     /* genomes */
    double f[QD_MAX];        /* fitnesses */
    double d[QD_MAX][2];     /* descriptors */
};

static int qd_recording(void *ctx, int worker, const double *g, double *f, double *d)
{
    struct qd_record *r = ctx;
    int s = fx_qd(&r->fx, worker, g, f, d);
#pragma omp critical(qd_record)
    if (r->n < QD_MAX) {
        memcpy(r->g[r->n], g, sizeof r->g[0]);
        r->f[r->n] = s == 0 ? *f : -INFINITY;
        memcpy(r->d[r->n], d, sizeof r->d[0]);
        r->n++;
    }
    return s;
}

static void test_map_elites_fills_grid(void **state)
{
    hr_evo_config cfg;
    hr_evo_config_default(&cfg, HR_EVO_MAP_ELITES, 4);
    cfg.seed = 2385;
    hr_evo *evo;
    assert_status(hr_evo_create(&cfg, &evo), HR_OK);
    struct qd_record *rec = calloc(1, sizeof *rec);
    hr_evo_evaluator ev = {.eval = qd_recording, .ctx = rec, .nthreads = 2};
    rec->fx.nthreads = 2;

    hr_evo_run_options opt = {.budget = {.max_evaluations = 2000}};
    assert_status(hr_evo_run(evo, &ev, &opt, NULL), HR_OK);
    hr_evo_progress p;
    hr_evo_summary(evo, &p);
    double random_cover = p.coverage;
    assert_int_equal(p.cells, 2500);
    assert_int_equal(hr_evo_generations(evo), 20);
    /* 2000 uniform throws into 2500 cells fill 1 - exp(-0.8) = 55%. */
    assert_abs(random_cover, 1 - exp(-0.8), 0.03);

    opt.budget.max_evaluations = 10000;
    assert_status(hr_evo_run(evo, &ev, &opt, NULL), HR_OK);
    hr_evo_summary(evo, &p);
    print_message("      coverage %.3f after 2000 random, %.3f after 10000\n", random_cover,
                  p.coverage);
    assert_true(p.coverage > 0.95);
    assert_int_equal(p.filled, hr_evo_size(evo));
    assert_int_equal(rec->n, 10000);
    assert_false(rec->fx.bad_worker);

    /* Each elite is the best evaluated genome of its cell; empty cells saw
     * none. */
    double *best = malloc(2500 * sizeof(double));
    long *arg = malloc(2500 * sizeof(long));
    for (long c = 0; c < 2500; c++) {
        best[c] = -INFINITY;
        arg[c] = -1;
    }
    for (long i = 0; i < rec->n; i++) {
        long c = hr_evo_cell_of(evo, rec->d[i], NULL);
        assert_true(c >= 0 && c < 2500);
        if (rec->f[i] > best[c]) {
            best[c] = rec->f[i];
            arg[c] = i;
        }
    }
    for (long c = 0; c < 2500; c++) {
        double g[4], f, d[2];
        int filled = hr_evo_cell(evo, c, g, &f, d);
        assert_int_equal(filled, arg[c] >= 0);
        if (!filled)
            continue;
        assert_true(same_bits(f, best[c]));
        /* The elite genome is one evaluated with that fitness in that cell. */
        int found = 0;
        for (long i = 0; i < rec->n && !found; i++)
            found = rec->f[i] == f && memcmp(rec->g[i], g, sizeof g) == 0 &&
                    hr_evo_cell_of(evo, rec->d[i], NULL) == c;
        assert_true(found);
        int bin[2];
        assert_int_equal(hr_evo_cell_of(evo, d, bin), c);
        assert_int_equal(bin[0] * 50 + bin[1], c);
    }
    /* The best ever is the best elite. */
    double bf;
    assert_status(hr_evo_best(evo, NULL, &bf, NULL), HR_OK);
    assert_true(same_bits(bf, p.best));
    free(best);
    free(arg);
    free(rec);
    hr_evo_destroy(evo);
}

/* The cell map: edges, outside values, non-finite descriptors. */
static void test_cell_of(void **state)
{
    hr_evo_config cfg;
    hr_evo_config_default(&cfg, HR_EVO_MAP_ELITES, 2);
    int bins[2] = {4, 3};
    double lo[2] = {-1, 0}, hi[2] = {1, 0.3};
    cfg.bins = bins;
    cfg.desc_lo = lo;
    cfg.desc_hi = hi;
    hr_evo *evo;
    assert_status(hr_evo_create(&cfg, &evo), HR_OK);
    int b[2];
    assert_int_equal(hr_evo_cell_of(evo, (double[]){-1, 0}, b), 0);
    assert_int_equal(hr_evo_cell_of(evo, (double[]){1, 0.3}, b), 11);
    assert_true(b[0] == 3 && b[1] == 2);
    assert_int_equal(hr_evo_cell_of(evo, (double[]){-0.49, 0.15}, b), 1 * 3 + 1);
    assert_int_equal(hr_evo_cell_of(evo, (double[]){-7, 9}, b), 0 * 3 + 2);
    assert_int_equal(hr_evo_cell_of(evo, (double[]){NAN, 0.1}, b), -1);
    assert_int_equal(hr_evo_cell_of(evo, (double[]){0.1, INFINITY}, b), -1);
    assert_int_equal(hr_evo_cell(evo, 12, NULL, NULL, NULL), -1);
    assert_int_equal(hr_evo_cell(evo, 5, NULL, NULL, NULL), 0);
    hr_evo_destroy(evo);
}

/* The same seed gives bitwise the same result with 1 and 2 threads (and
 * with 2 threads twice), for both algorithms, failures included. */
static void test_threads_do_not_matter(void **state)
{
    for (int kind = HR_EVO_GA; kind <= HR_EVO_MAP_ELITES; kind++) {
        hr_evo_config cfg;
        hr_evo_config_default(&cfg, kind, kind == HR_EVO_GA ? 6 : 4);
        cfg.seed = 99;
        cfg.population = 30;
        cfg.initial = 300;
        cfg.batch = 50;
        hr_evo *evo[3];
        for (int k = 0; k < 3; k++) {
            int nt = k == 0 ? 1 : 2;
            struct fx x = {.fail = 1, .nthreads = nt};
            struct fx_log log = {0};
            assert_status(hr_evo_create(&cfg, &evo[k]), HR_OK);
            hr_evo_evaluator ev = {.eval = kind == HR_EVO_GA ? fx_sphere_failing : fx_qd,
                                   .ctx = &x, .nthreads = nt, .log = fx_log_line,
                                   .log_ctx = &log};
            hr_evo_run_options opt = {.budget = {.max_evaluations = 1500}};
            assert_status(hr_evo_run(evo[k], &ev, &opt, NULL), HR_OK);
            assert_false(x.bad_worker);
            assert_true(hr_evo_failures(evo[k]) > 0);
            assert_int_equal(log.lines, hr_evo_failures(evo[k]));
        }
        assert_same_state(evo[0], evo[1]);
        assert_same_state(evo[1], evo[2]);
        for (int k = 0; k < 3; k++)
            hr_evo_destroy(evo[k]);
    }
}

/* Failed evaluations (a status, a NaN fitness, an infinite descriptor) get
 * -inf, are logged with their reason in evaluation order, and the run goes
 * on to its budget; MAP-Elites never archives them. */
static void test_failures_logged(void **state)
{
    hr_evo_config cfg;
    hr_evo_config_default(&cfg, HR_EVO_GA, 6);
    cfg.population = 20;
    hr_evo *evo;
    assert_status(hr_evo_create(&cfg, &evo), HR_OK);
    struct fx x = {0};
    struct fx_log log = {0};
    hr_evo_evaluator ev = {.eval = fx_sphere_failing, .ctx = &x, .log = fx_log_line,
                           .log_ctx = &log};
    hr_evo_run_options opt = {.budget = {.max_generations = 10}};
    assert_status(hr_evo_run(evo, &ev, &opt, NULL), HR_OK);
    assert_int_equal(hr_evo_generations(evo), 10);
    assert_true(log.lines > 0);
    assert_int_equal(log.lines, hr_evo_failures(evo));
    print_message("      %d failures; first: %s\n", log.lines, log.first);
    assert_non_null(strstr(log.first, "evaluation "));
    assert_true(strstr(log.first, "EUNSTABLE: test solver diverged") ||
                strstr(log.first, "fitness = nan is not finite"));
    /* The initial population (20 uniform genomes) holds failures: they have
     * -inf; the best is finite. */
    double f;
    assert_status(hr_evo_best(evo, NULL, &f, NULL), HR_OK);
    assert_true(isfinite(f));
    hr_evo_destroy(evo);

    /* All failing: the run completes, no best. */
    double lo[6] = {0}, hi[6] = {0.1, 1, 1, 1, 1, 1};
    cfg.lo = lo;
    cfg.hi = hi;
    assert_status(hr_evo_create(&cfg, &evo), HR_OK);
    log.lines = 0;
    assert_status(hr_evo_run(evo, &ev, &opt, NULL), HR_OK);
    assert_int_equal(hr_evo_failures(evo), hr_evo_evaluations(evo));
    assert_int_equal(log.lines, hr_evo_evaluations(evo));
    assert_status(hr_evo_best(evo, NULL, &f, NULL), HR_ERANGE);
    assert_true(f == -INFINITY);
    hr_evo_progress p;
    hr_evo_summary(evo, &p);
    assert_true(isnan(p.best) && isnan(p.mean));
    hr_evo_destroy(evo);

    /* MAP-Elites: all three kinds of failure, none archived. */
    hr_evo_config_default(&cfg, HR_EVO_MAP_ELITES, 4);
    cfg.initial = 400;
    assert_status(hr_evo_create(&cfg, &evo), HR_OK);
    x.fail = 1;
    ev.eval = fx_qd;
    log.lines = 0;
    opt.budget.max_generations = 8;
    assert_status(hr_evo_run(evo, &ev, &opt, NULL), HR_OK);
    assert_true(hr_evo_failures(evo) > 20);
    assert_int_equal(log.lines, hr_evo_failures(evo));
    for (long i = 0; i < hr_evo_size(evo); i++) {
        double g[4], d[2];
        hr_evo_individual(evo, i, g, &f, d, NULL);
        assert_true(isfinite(f) && isfinite(d[0]) && isfinite(d[1]));
        assert_true(g[0] >= 0.08 && g[1] <= 0.97);
    }
    hr_evo_destroy(evo);
}

/* Default log: with no log callback, failures go to a FILE (here through
 * hr_evo_log_to_file on a temporary file). */
static void test_log_to_file(void **state)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    hr_evo_config cfg;
    hr_evo_config_default(&cfg, HR_EVO_GA, 6);
    cfg.population = 10;
    hr_evo *evo;
    assert_status(hr_evo_create(&cfg, &evo), HR_OK);
    struct fx x = {0};
    hr_evo_evaluator ev = {.eval = fx_sphere_failing, .ctx = &x, .log = hr_evo_log_to_file,
                           .log_ctx = f};
    assert_status(hr_evo_iterate(evo, &ev, NULL), HR_OK);
    long lines = 0;
    rewind(f);
    int c;
    while ((c = fgetc(f)) != EOF)
        lines += c == '\n';
    assert_int_equal(lines, hr_evo_failures(evo));
    assert_true(lines > 0);
    fclose(f);
    /* Failures (g0 < 0.3) hold -inf, the others their finite fitness. */
    for (long i = 0; i < hr_evo_size(evo); i++) {
        double g[6], fit;
        hr_evo_individual(evo, i, g, &fit, NULL, NULL);
        if (g[0] < 0.3)
            assert_true(fit == -INFINITY);
        else
            assert_true(isfinite(fit));
    }
    hr_evo_destroy(evo);
}

#define EXPECT_BAD(field_set, needle)                                                        \
    do {                                                                                     \
        hr_evo_config c = base;                                                              \
        field_set;                                                                           \
        hr_evo *e = (hr_evo *)&c;                                                            \
        assert_status(hr_evo_create(&c, &e), HR_EINVAL);                                     \
        assert_null(e);                                                                      \
        if (!strstr(hr_error_message(), needle)) {                                           \
            print_error("message \"%s\" lacks \"%s\"\n", hr_error_message(), needle);        \
            fail();                                                                          \
        }                                                                                    \
    } while (0)

static void test_config_validation(void **state)
{
    hr_evo_config base;
    double lo[2] = {0, 1}, hi[2] = {1, 0}, inf[2] = {0, INFINITY};
    int bins0[2] = {50, 0}, bins_big[2] = {100000, 100000};
    double dlo[2] = {0, 0}, dhi_bad[2] = {1, 0};
    hr_evo_config_default(&base, HR_EVO_GA, 2);
    EXPECT_BAD(c.kind = 7, "optimiser kind = 7");
    EXPECT_BAD(c.ngenes = 0, "ngenes = 0 out of range [1, 65536]");
    EXPECT_BAD(c.lo = lo, "both be given");
    EXPECT_BAD((c.lo = lo, c.hi = hi), "gene 1 bounds [1, 0]");
    EXPECT_BAD((c.lo = lo, c.hi = inf), "gene 1 bounds [1, inf]");
    EXPECT_BAD(c.population = 1, "population = 1 out of range [2,");
    EXPECT_BAD(c.elites = 50, "elites = 50 out of range [0, 49]");
    EXPECT_BAD(c.tournament = 0, "tournament = 0 out of range [1, 50]");
    EXPECT_BAD(c.crossover = 3, "crossover = 3");
    EXPECT_BAD(c.crossover_rate = NAN, "crossover_rate = nan out of range [0, 1]");
    EXPECT_BAD(c.mutation_rate = 1.5, "mutation_rate = 1.5 out of range [0, 1]");
    EXPECT_BAD(c.mutation_sigma = -0.1, "mutation_sigma = -0.1 out of range [0, 10]");
    EXPECT_BAD(c.sbx_eta = -1, "sbx_eta = -1");
    EXPECT_BAD(c.blx_alpha = 11, "blx_alpha = 11");
    EXPECT_BAD(c.ndesc = 17, "ndesc = 17 out of range [0, 16]");
    hr_evo_config_default(&base, HR_EVO_MAP_ELITES, 2);
    EXPECT_BAD(c.ndesc = 0, "ndesc = 0 out of range [1, 16]");
    EXPECT_BAD(c.batch = 0, "batch = 0 out of range [1,");
    EXPECT_BAD(c.initial = -1, "initial = -1 must be >= 0");
    EXPECT_BAD(c.bins = NULL, "bins, desc_lo and desc_hi must be given");
    EXPECT_BAD(c.bins = bins0, "bins[1] = 0 out of range [1,");
    EXPECT_BAD(c.bins = bins_big, "more than 16777216 cells");
    EXPECT_BAD((c.desc_lo = dlo, c.desc_hi = dhi_bad), "descriptor 1 range [0, 0]");
    assert_status(hr_evo_create(&base, NULL), HR_EINVAL);
    assert_status(hr_evo_config_check(&base), HR_OK);
    hr_evo_destroy(NULL);

    /* Evaluator and budget. */
    hr_evo *evo;
    assert_status(hr_evo_create(&base, &evo), HR_OK);
    hr_evo_evaluator ev = {0};
    hr_evo_run_options opt = {.budget = {.max_generations = 1}};
    assert_status(hr_evo_iterate(evo, &ev, NULL), HR_EINVAL);
    assert_status(hr_evo_run(evo, &ev, &opt, NULL), HR_EINVAL);
    struct fx x = {0};
    ev.eval = fx_qd;
    ev.ctx = &x;
    ev.nthreads = -1;
    assert_status(hr_evo_run(evo, &ev, &opt, NULL), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "nthreads = -1 out of range [1, 4096]"));
    ev.nthreads = 1;
    opt.budget.max_generations = 0;
    assert_status(hr_evo_run(evo, &ev, &opt, NULL), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "would never end"));
    opt.budget.max_evaluations = -5;
    assert_status(hr_evo_run(evo, &ev, &opt, NULL), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "must be >= 0"));
    opt.budget.max_evaluations = 0;
    opt.budget.time_limit = NAN;
    assert_status(hr_evo_run(evo, &ev, &opt, NULL), HR_EINVAL);
    assert_int_equal(hr_evo_generations(evo), 0);
    assert_int_equal(x.count, 0);
    hr_evo_destroy(evo);
}

/* Progress: one callback per generation, after it, with consistent
 * counters; budgets by evaluations (the last batch may go past it) and by
 * time; the formatter prints the counts and an ETA. */
struct progress_log {
    int calls;             /* callbacks received */
    long last_generation;  /* generation of the last one */
    long last_evaluations; /* evaluations of the last one */
    int ordered;           /* 1 while generations came in order */
    char line[256];        /* the last formatted line */
};

static void on_progress(void *ctx, const hr_evo_progress *p)
{
    struct progress_log *l = ctx;
    if (p->generation != l->last_generation + 1 || p->generations != p->generation + 1 ||
        p->evaluations <= l->last_evaluations || !(p->best >= p->mean && p->mean >= p->worst) ||
        !(p->best_ever >= p->best) || p->elapsed < 0 || p->evals_per_s < 0)
        l->ordered = 0;
    l->calls++;
    l->last_generation = p->generation;
    l->last_evaluations = p->evaluations;
    hr_evo_progress_format(p, l->line, sizeof l->line);
}

static void test_progress_and_budget(void **state)
{
    hr_evo_config cfg;
    hr_evo_config_default(&cfg, HR_EVO_MAP_ELITES, 4);
    cfg.batch = 64;
    cfg.initial = 128;
    hr_evo *evo;
    assert_status(hr_evo_create(&cfg, &evo), HR_OK);
    struct fx x = {0};
    struct progress_log pl = {.last_generation = -1, .ordered = 1};
    hr_evo_evaluator ev = {.eval = fx_qd, .ctx = &x};
    hr_evo_run_options opt = {.budget = {.max_evaluations = 1000},
                              .progress = on_progress,
                              .progress_ctx = &pl};
    enum hr_evo_stop why;
    assert_status(hr_evo_run(evo, &ev, &opt, &why), HR_OK);
    assert_int_equal(why, HR_EVO_MAX_EVALUATIONS);
    /* 1000 / 64 = 15.6: 16 batches, 1024 evaluations. */
    assert_int_equal(hr_evo_evaluations(evo), 1024);
    assert_int_equal(pl.calls, 16);
    assert_true(pl.ordered);
    print_message("      %s\n", pl.line);
    assert_non_null(strstr(pl.line, "batch 16  evals 1024/1000"));
    assert_non_null(strstr(pl.line, "ETA 0:00:00"));
    assert_non_null(strstr(pl.line, "fill "));
    assert_int_equal(hr_evo_test(evo, &opt.budget, 0), HR_EVO_MAX_EVALUATIONS);
    assert_int_equal(hr_evo_test(evo, NULL, 0), HR_EVO_CONTINUE);

    /* A time limit of one nanosecond stops after at most one batch. */
    hr_evo_run_options t = {.budget = {.time_limit = 1e-9}};
    assert_status(hr_evo_run(evo, &ev, &t, &why), HR_OK);
    assert_int_equal(why, HR_EVO_TIME_LIMIT);
    assert_true(hr_evo_generations(evo) <= 17);
    assert_true(hr_evo_elapsed(evo) > 0);

    /* The formatter on a GA with no budget for generations. */
    hr_evo_progress p = {.kind = HR_EVO_GA, .generation = 4, .generations = 5,
                         .evaluations = 230, .best = -0.0123, .mean = -1.5, .worst = -7,
                         .evals_per_s = 51.25, .elapsed = 3725, .eta = -1};
    char buf[256];
    int n = hr_evo_progress_format(&p, buf, sizeof buf);
    assert_int_equal(n, (int)strlen(buf));
    assert_string_equal(buf, "gen 5  evals 230  best -0.0123  mean -1.5  worst -7  51.2 ev/s"
                             "  1:02:05  ETA --:--");
    hr_evo_destroy(evo);
}

int main(void)
{
    hr_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ga_improves),
        cmocka_unit_test(test_bounds_in_runs),
        cmocka_unit_test(test_map_elites_fills_grid),
        cmocka_unit_test(test_cell_of),
        cmocka_unit_test(test_threads_do_not_matter),
        cmocka_unit_test(test_failures_logged),
        cmocka_unit_test(test_log_to_file),
        cmocka_unit_test(test_config_validation),
        cmocka_unit_test(test_progress_and_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
