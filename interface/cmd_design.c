/* cmd_design.c — `hydrores design`: readout times (and probes) chosen by
 * D-optimal design from one simulation of the experiment (reservoir/design.h),
 * written back as best.xml, which `hydrores run` reproduces. */
#include "interface/cli.h"
#include "base/status.h"
#include "interface/config.h"
#include "interface/outdir.h"
#include "reservoir/design.h"
#include "reservoir/fitness.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    printf("usage: hydrores design CONFIG --out DIR [--method M] [--k N] [--probes Q]\n"
           "                       [--window LO,HI] [--lambda L] [--starts N] [--seed N]\n"
           "                       [--replicas R] [--sweeps S] [--max-subsets N]\n"
           "                       [--set NAME=VALUE ...] [--genome V1,...] [--force] [--quiet]\n"
           "                       [--no-plots]\n\n"
           "Chooses the readout times (and, with --probes, which probes) that maximise\n"
           "log det(X^T X + lambda I) of the training readout matrix (2 log|det X| for a\n"
           "square X with lambda 0), from every sample of the traces of one simulation\n"
           "of each task row. Writes into DIR:\n"
           "  config.xml   the resolved experiment it started from\n"
           "  best.xml     the experiment with the designed readout times (and probes);\n"
           "               hydrores run DIR/best.xml reproduces metrics.csv\n"
           "  design.csv   per method: objective, log|det X|, evaluations, time, choice\n"
           "  times.csv    the chosen readout times (and probes) of the best method\n"
           "  metrics.csv  best.xml evaluated by the pipeline (det_abs, logdet, score, ...),\n"
           "               and the design's figures (candidates, simulations)\n"
           "  design.png   each method's chosen times and log|det X| (--no-plots: none)\n\n"
           "  --method M     greedy | exchange (greedy, then Fedorov exchange from greedy's\n"
           "                 choice and from --starts - 1 random ones; the default) |\n"
           "                 anneal (parallel tempering) | exhaustive | all\n"
           "  --k N          readout times to choose (default: as many as readout.t has)\n"
           "  --probes Q     keep Q of the substrate's probes (default: all); anneal chooses\n"
           "                 them jointly with the times, the other methods try every subset\n"
           "  --window LO,HI candidate times (default: the range of the genes that set\n"
           "                 readout times, else the whole traces)\n"
           "  --lambda L     ridge term (default: 0 for a square X and fitness logdet or\n"
           "                 det_abs, else fitness.lambda)\n"
           "  --starts N     exchange starts (default 10)\n"
           "  --seed N       random seed of the starts and the annealer (default 1)\n"
           "  --replicas R   annealer temperatures (default 8; 1: simulated annealing)\n"
           "  --sweeps S     annealer sweeps of N moves per replica (default 100)\n"
           "  --max-subsets N  largest exhaustive search (default 2e7)\n");
}

enum { O_OUT = 256, O_SET, O_GENOME, O_FORCE, O_QUIET, O_METHOD, O_K, O_PROBES, O_WINDOW,
       O_LAMBDA, O_STARTS, O_SEED, O_REPLICAS, O_SWEEPS, O_MAXSUB, O_NO_PLOTS };

typedef struct design_opts {
    hr_cli_opts cli;   /* config, --out, --set, --genome, --force, --quiet */
    const char *method;
    int k, probes;     /* 0: default */
    int have_window;
    double lo, hi;
    double lambda;     /* < 0: default */
    int starts, replicas;
    long sweeps;
    unsigned long long seed;
    double max_subsets;
} design_opts;

/* A number option in [lo, hi] (whole if isint). */
static int num(const char *name, const char *val, double lo, double hi, int isint, double *out)
{
    char *end;
    double v = strtod(val, &end);
    if (end == val || *end || !(v >= lo && v <= hi) || (isint && v != floor(v))) {
        fprintf(stderr, "hydrores design: --%s %s: not a valid value (allowed: %s %g .. %g)\n",
                name, val, isint ? "a whole number" : "a number", lo, hi);
        return HR_EXIT_USAGE;
    }
    *out = v;
    return HR_EXIT_OK;
}

static int parse(int argc, char **argv, design_opts *o)
{
    memset(o, 0, sizeof *o);
    o->cli.seed = -1;
    o->method = "exchange";
    o->lambda = -1;
    o->starts = 10;
    o->replicas = 8;
    o->sweeps = 100;
    o->seed = 1;
    o->max_subsets = 2e7;
    static const struct option opts[] = {
        {"out", required_argument, NULL, O_OUT},       {"set", required_argument, NULL, O_SET},
        {"genome", required_argument, NULL, O_GENOME}, {"force", no_argument, NULL, O_FORCE},
        {"quiet", no_argument, NULL, O_QUIET},         {"method", required_argument, NULL, O_METHOD},
        {"k", required_argument, NULL, O_K},           {"probes", required_argument, NULL, O_PROBES},
        {"window", required_argument, NULL, O_WINDOW}, {"lambda", required_argument, NULL, O_LAMBDA},
        {"starts", required_argument, NULL, O_STARTS}, {"seed", required_argument, NULL, O_SEED},
        {"replicas", required_argument, NULL, O_REPLICAS},
        {"sweeps", required_argument, NULL, O_SWEEPS},
        {"max-subsets", required_argument, NULL, O_MAXSUB},
        {"no-plots", no_argument, NULL, O_NO_PLOTS},
        {NULL, 0, NULL, 0},
    };
    optind = 0;
    opterr = 0;
    int c;
    double v;
    while ((c = getopt_long(argc, argv, ":q", opts, NULL)) != -1) {
        switch (c) {
        case O_OUT: o->cli.out = optarg; break;
        case O_SET:
            if (o->cli.nset >= HR_CLI_MAX_SET) {
                fprintf(stderr, "hydrores design: too many --set (allowed: at most %d)\n",
                        HR_CLI_MAX_SET);
                return HR_EXIT_USAGE;
            }
            o->cli.set[o->cli.nset++] = optarg;
            break;
        case O_GENOME: o->cli.genome = optarg; break;
        case O_FORCE: o->cli.force = 1; break;
        case O_NO_PLOTS: o->cli.no_plots = 1; break;
        case 'q':
        case O_QUIET: o->cli.quiet = 1; break;
        case O_METHOD:
            if (strcmp(optarg, "greedy") && strcmp(optarg, "exchange") && strcmp(optarg, "anneal") &&
                strcmp(optarg, "exhaustive") && strcmp(optarg, "all")) {
                fprintf(stderr, "hydrores design: --method %s (allowed: greedy, exchange, anneal, "
                        "exhaustive, all)\n", optarg);
                return HR_EXIT_USAGE;
            }
            o->method = optarg;
            break;
        case O_K:
            if (num("k", optarg, 1, HR_DESIGN_MAX_K, 1, &v))
                return HR_EXIT_USAGE;
            o->k = (int)v;
            break;
        case O_PROBES:
            if (num("probes", optarg, 1, HR_DESIGN_MAX_PROBES, 1, &v))
                return HR_EXIT_USAGE;
            o->probes = (int)v;
            break;
        case O_WINDOW: {
            char *end;
            o->lo = strtod(optarg, &end);
            if (end == optarg || *end != ',' || !isfinite(o->lo) ||
                (o->hi = strtod(end + 1, &end), *end) || !isfinite(o->hi) || !(o->hi >= o->lo) ||
                o->lo < 0) {
                fprintf(stderr, "hydrores design: --window %s (allowed: LO,HI with 0 <= LO <= HI)\n",
                        optarg);
                return HR_EXIT_USAGE;
            }
            o->have_window = 1;
            break;
        }
        case O_LAMBDA:
            if (num("lambda", optarg, 0, 1e12, 0, &o->lambda))
                return HR_EXIT_USAGE;
            break;
        case O_STARTS:
            if (num("starts", optarg, 1, 1e6, 1, &v))
                return HR_EXIT_USAGE;
            o->starts = (int)v;
            break;
        case O_SEED:
            if (num("seed", optarg, 0, 4294967295.0, 1, &v))
                return HR_EXIT_USAGE;
            o->seed = (unsigned long long)v;
            break;
        case O_REPLICAS:
            if (num("replicas", optarg, 1, 64, 1, &v))
                return HR_EXIT_USAGE;
            o->replicas = (int)v;
            break;
        case O_SWEEPS:
            if (num("sweeps", optarg, 1, 1e9, 1, &v))
                return HR_EXIT_USAGE;
            o->sweeps = (long)v;
            break;
        case O_MAXSUB:
            if (num("max-subsets", optarg, 1, 1e15, 0, &o->max_subsets))
                return HR_EXIT_USAGE;
            break;
        case ':':
            fprintf(stderr, "hydrores design: %s needs a value\n", argv[optind - 1]);
            return HR_EXIT_USAGE;
        default:
            fprintf(stderr, "hydrores design: unknown option '%s' (see hydrores design --help)\n",
                    argv[optind - 1]);
            return HR_EXIT_USAGE;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (o->cli.config) {
            fprintf(stderr, "hydrores design: unexpected argument '%s' (one CONFIG file "
                    "allowed)\n", argv[i]);
            return HR_EXIT_USAGE;
        }
        o->cli.config = argv[i];
    }
    if (!o->cli.config || !o->cli.out) {
        fprintf(stderr, "hydrores design: missing %s (see hydrores design --help)\n",
                o->cli.config ? "--out DIR" : "CONFIG");
        return HR_EXIT_USAGE;
    }
    return HR_EXIT_OK;
}

/* One method's outcome. */
typedef struct outcome {
    const char *method;
    int status;           /* HR_OK, or why it did not run */
    char why[256];        /* its message */
    hr_design_result r;
} outcome;

/* The next q-subset of [0, P) in lexicographic order; 0 after the last. */
static int next_subset(int *v, int q, int P)
{
    int i = q - 1;
    while (i >= 0 && v[i] == P - q + i)
        i--;
    if (i < 0)
        return 0;
    v[i]++;
    for (int j = i + 1; j < q; j++)
        v[j] = v[j - 1] + 1;
    return 1;
}

/* Runs one deterministic method over every probe subset of size q (one
 * subset when q = P) and keeps the best. */
static void run_method(const design_opts *o, const hr_design_problem *pr, int k, int q,
                       outcome *out)
{
    int P = pr->nprobes, sub[HR_DESIGN_MAX_PROBES];
    for (int i = 0; i < q; i++)
        sub[i] = i;
    out->status = HR_ESINGULAR;
    snprintf(out->why, sizeof out->why, "no subset gave a non-singular X");
    long evals = 0, moves = 0;
    double secs = 0;
    int any = 0;
    if (strcmp(out->method, "anneal") == 0) {
        hr_design_anneal_opts ao = {.seed = o->seed, .replicas = o->replicas, .sweeps = o->sweeps};
        out->status = hr_design_anneal(pr, k, q, &ao, &out->r);
        if (out->status)
            snprintf(out->why, sizeof out->why, "%s", hr_error_message());
        return;
    }
    do {
        hr_design_result r;
        int st;
        if (strcmp(out->method, "greedy") == 0)
            st = hr_design_greedy(pr, k, sub, q, &r);
        else if (strcmp(out->method, "exchange") == 0)
            st = hr_design_search(pr, k, sub, q, o->starts, o->seed, &r);
        else
            st = hr_design_exhaustive(pr, k, sub, q, o->max_subsets, &r);
        if (st == HR_ESINGULAR)
            continue;
        if (st) {
            out->status = st;
            snprintf(out->why, sizeof out->why, "%s", hr_error_message());
            return;
        }
        evals += r.evaluations;
        moves += r.moves;
        secs += r.seconds;
        if (!any || r.value > out->r.value)
            out->r = r;
        any = 1;
        out->status = HR_OK;
    } while (q < P && next_subset(sub, q, P));
    out->r.evaluations = evals;
    out->r.moves = moves;
    out->r.seconds = secs;
}

static void times_text(const hr_design_candidates *c, const hr_design_result *r, char *buf,
                       size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < r->k && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%.10g", i ? " " : "",
                                c->times[r->times[i]]);
}

static void probes_text(const hr_design_result *r, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < r->q && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%d", i ? " " : "", r->probes[i]);
}

int hr_cmd_design(int argc, char **argv)
{
    if (hr_cli_wants_help(argc, argv)) {
        usage();
        return HR_EXIT_OK;
    }
    design_opts o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;
    hr_experiment *e;
    int st = hr_cli_load(&o.cli, &e);
    if (st) {
        fprintf(stderr, "%s\n", hr_error_message());
        return HR_EXIT_USAGE;
    }
    hr_worker *w = NULL, *wb = NULL;
    hr_experiment *best_e = NULL;
    hr_design_candidates c = {0};
    hr_result res = {0};
    outcome oc[4];
    int noc = 0;
    hr_outdir od;
    int od_open = 0;
    double lo = 0, hi = -1;
    if (o.have_window) {
        lo = o.lo;
        hi = o.hi;
    } else if (hr_design_gene_window(e, &lo, &hi)) {
        lo = 0;
        hi = -1; /* the whole traces */
    }
    hr_error_clear();
    if ((st = hr_worker_create(&w, e)))
        goto fail;
    /* Dimensions first: rows and probes decide lambda's default. */
    int nt_conf;
    hr_section_list(e->sec[HR_SEC_READOUT], "t", &nt_conf);
    if ((st = hr_design_candidates_make(w, lo, hi, 0, &c)))
        goto fail;
    int P = c.problem.nprobes, q = o.probes ? o.probes : P, k = o.k ? o.k : nt_conf;
    if (q > P) {
        st = HR_ERROR(HR_EINVAL, "--probes %d: the substrate has %d probes (allowed: 1 .. %d)", q,
                      P, P);
        goto fail;
    }
    const hr_section *fs = e->sec[HR_SEC_FITNESS];
    const hr_fitness_type *ft = hr_fitness_find(fs->kind);
    int square_fitness = ft && (ft->base.flags & HR_FITNESS_SQUARE);
    if (square_fitness && k * q != c.problem.m) {
        st = HR_ERROR(HR_EINVAL, "fitness '%s' needs a square readout matrix: %d times x %d probes "
                      "for %d training rows (allowed: --k %d%s, or --set fitness.kind=logdet_gram "
                      "for a non-square X)", fs->kind, k, q, c.problem.m,
                      c.problem.m % q == 0 ? c.problem.m / q : 0,
                      c.problem.m % q == 0 ? "" : " (no whole number: change --probes)");
        goto fail;
    }
    double lambda = o.lambda >= 0 ? o.lambda
                    : square_fitness && k * q == c.problem.m ? 0
                    : hr_section_num(fs, "lambda");
    if (!(lambda >= 0))
        lambda = 1e-8;
    c.problem.lambda = lambda;
    if ((st = hr_outdir_begin(&od, o.cli.out, o.cli.force)))
        goto fail;
    od_open = 1;

    /* The methods. */
    const char *all[4] = {"greedy", "exchange", "anneal", "exhaustive"};
    int want_all = strcmp(o.method, "all") == 0;
    for (int i = 0; i < 4; i++) {
        if (!want_all && strcmp(o.method, all[i]) != 0)
            continue;
        oc[noc].method = all[i];
        run_method(&o, &c.problem, k, q, &oc[noc]);
        if (oc[noc].status && (!want_all || oc[noc].status != HR_ERANGE)) {
            st = oc[noc].status;
            hr_error_set(st, __FILE__, __LINE__, "design --method %s: %s", all[i], oc[noc].why);
            goto fail;
        }
        noc++;
    }
    int bi = -1;
    for (int i = 0; i < noc; i++)
        if (oc[i].status == HR_OK && (bi < 0 || oc[i].r.value > oc[bi].r.value + 1e-12))
            bi = i;
    const hr_design_result *best = &oc[bi].r;

    /* best.xml, and its evaluation by the pipeline. */
    if (!(best_e = hr_design_apply(e, &c, best))) {
        st = HR_EINVAL;
        goto fail;
    }
    char path[1300];
    hr_outdir_path(&od, "config.xml", path, sizeof path);
    if ((st = hr_config_write_file(e, path)))
        goto fail;
    hr_outdir_path(&od, "best.xml", path, sizeof path);
    if ((st = hr_config_write_file(best_e, path)))
        goto fail;
    if ((st = hr_worker_create(&wb, best_e)) || (st = hr_worker_evaluate(wb, NULL, 0, &res)))
        goto fail;

    int square = k * q == c.problem.m && lambda == 0;
    FILE *f = hr_outdir_open(&od, "design.csv");
    if (!f) {
        st = HR_EIO;
        goto fail;
    }
    fprintf(f, "method,status,objective,logdet_x,evaluations,moves,seconds,simulations,times,"
               "probes\n");
    char tt[HR_DESIGN_MAX_K * 20], pt[HR_DESIGN_MAX_PROBES * 4];
    for (int i = 0; i < noc; i++) {
        if (oc[i].status) {
            fprintf(f, "%s,skipped,,,,,,%d,,\n", oc[i].method, c.simulations);
            continue;
        }
        times_text(&c, &oc[i].r, tt, sizeof tt);
        probes_text(&oc[i].r, pt, sizeof pt);
        fprintf(f, "%s,ok,%.17g,%.17g,%ld,%ld,%.6f,%d,%s,%s\n", oc[i].method, oc[i].r.value,
                square ? oc[i].r.value / 2 : NAN, oc[i].r.evaluations, oc[i].r.moves,
                oc[i].r.seconds, c.simulations, tt, pt);
    }
    if ((st = hr_close_checked(f, "design.csv")))
        goto fail;
    if (!(f = hr_outdir_open(&od, "times.csv"))) {
        st = HR_EIO;
        goto fail;
    }
    fprintf(f, "index,time,candidate\n");
    for (int i = 0; i < best->k; i++)
        fprintf(f, "%d,%.17g,%d\n", i, c.times[best->times[i]], best->times[i]);
    fprintf(f, "# probes kept:");
    for (int i = 0; i < best->q; i++)
        fprintf(f, " %d", best->probes[i]);
    fprintf(f, " (of %d)\n", P);
    if ((st = hr_close_checked(f, "times.csv")))
        goto fail;
    if (!(f = hr_outdir_open(&od, "metrics.csv"))) {
        st = HR_EIO;
        goto fail;
    }
    fprintf(f, "name,value\n");
    fprintf(f, "det_abs,%.17g\nlogdet,%.17g\nlogdet_gram,%.17g\n", res.det_abs, res.logdet,
            res.logdet_gram);
    fprintf(f, "kernel_rank,%.17g\neffective_rank,%.17g\ncondition,%.17g\n", res.kernel_rank,
            res.gen_rank, res.cond);
    fprintf(f, "lambda,%.17g\n%s_train,%.17g\n%s,%.17g\nfitness,%.17g\n", res.lambda,
            res.score_name, res.score_train, res.score_name, res.score, res.fitness);
    fprintf(f, "rows,%d\ncolumns,%d\nheldout_rows,%d\n", res.nrows, res.ncols, res.nheld);
    fprintf(f, "design_objective,%.17g\ndesign_lambda,%.17g\ncandidates,%d\n", best->value,
            lambda, c.problem.ncand);
    /* Runs made (every task row) and runs the objective needs (training rows). */
    fprintf(f, "simulations,%d\ndesign_simulations,%d\n", c.simulations, c.problem.m);
    if ((st = hr_close_checked(f, "metrics.csv")))
        goto fail;
    hr_cli_plots(&o.cli, "design", od.tmp);
    if ((st = hr_outdir_commit(&od)))
        goto fail;
    od_open = 0;

    if (!o.cli.quiet) {
        printf("%s: %d candidate times x %d probes in [%g, %g] from %d simulations (%d of them "
               "training rows); choosing %d times%s, lambda %g\n", e->name, c.problem.ncand, P,
               c.times[0], c.times[c.problem.ncand - 1], c.simulations, c.problem.m, k,
               q < P ? " and probes" : "", lambda);
        printf("\n  %-11s %14s %12s %10s  %s\n", "method", square ? "log|det X|" : "objective",
               "evaluations", "seconds", "times");
        for (int i = 0; i < noc; i++) {
            if (oc[i].status) {
                printf("  %-11s %14s  (%s)\n", oc[i].method, "skipped", oc[i].why);
                continue;
            }
            times_text(&c, &oc[i].r, tt, sizeof tt);
            printf("  %-11s %14.6f %12ld %10.3f  %s\n", oc[i].method,
                   square ? oc[i].r.value / 2 : oc[i].r.value, oc[i].r.evaluations,
                   oc[i].r.seconds, tt);
        }
        printf("\n");
        hr_print_summary(stdout, best_e, &res);
        printf("%-22s %s/ (best.xml: the %s design)\n", "results", od.final, oc[bi].method);
    }
    goto done;
fail:
    fprintf(stderr, "hydrores design: %s: %s\n", o.cli.config, hr_error_message());
    rc = st == HR_EINVAL || st == HR_ERANGE || st == HR_EPARSE || st == HR_ENOTSUP ||
                 st == HR_EEXIST
             ? HR_EXIT_USAGE
             : HR_EXIT_FAIL;
    if (od_open)
        hr_outdir_abort(&od);
done:
    hr_result_free(&res);
    hr_worker_destroy(wb);
    hr_worker_destroy(w);
    hr_experiment_destroy(best_e);
    hr_design_candidates_free(&c);
    hr_experiment_destroy(e);
    return rc;
}
