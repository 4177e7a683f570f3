/* cli.c — the options every subcommand shares, parsed with getopt_long
 * (so --out=DIR and --out DIR both work, options and CONFIG in any order),
 * and loading the experiment with --set and --genome applied. */
#include "interface/cli.h"
#include "base/status.h"
#include "interface/config.h"
#include "interface/plot_folder.h"
#include "reservoir/pipeline.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_OUT = 256, OPT_SET, OPT_GENOME, OPT_FORCE, OPT_RESUME, OPT_SEED, OPT_THREADS,
       OPT_MAX_EVALS, OPT_TIME_LIMIT, OPT_QUIET, OPT_NO_PLOTS, OPT_NPY };

/* Parses a number option: whole >= 0 (isint) or seconds >= 0. */
static int number_opt(const char *cmd, const char *name, const char *val, int isint, double *out)
{
    char *end;
    double v = strtod(val, &end);
    if (end == val || *end || !(v >= 0) || !isfinite(v) || (isint && v != floor(v)) ||
        v > 1e18) {
        fprintf(stderr, "hydrores %s: --%s %s: not a valid value (allowed: %s)\n", cmd, name, val,
                isint ? "a whole number >= 0" : "seconds >= 0");
        return HR_EXIT_USAGE;
    }
    *out = v;
    return HR_EXIT_OK;
}

int hr_cli_parse(int argc, char **argv, hr_cli_opts *o, int allow_evolve)
{
    memset(o, 0, sizeof *o);
    o->seed = -1;
    o->max_evals = -1;
    const char *cmd = argv[0];
    static const struct option all[] = {
        {"out", required_argument, NULL, OPT_OUT},
        {"set", required_argument, NULL, OPT_SET},
        {"genome", required_argument, NULL, OPT_GENOME},
        {"force", no_argument, NULL, OPT_FORCE},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"no-plots", no_argument, NULL, OPT_NO_PLOTS},
        {"resume", no_argument, NULL, OPT_RESUME},
        {"seed", required_argument, NULL, OPT_SEED},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"max-evals", required_argument, NULL, OPT_MAX_EVALS},
        {"time-limit", required_argument, NULL, OPT_TIME_LIMIT},
        {NULL, 0, NULL, 0},
    };
    static const struct option run_only[] = {
        {"out", required_argument, NULL, OPT_OUT},
        {"set", required_argument, NULL, OPT_SET},
        {"genome", required_argument, NULL, OPT_GENOME},
        {"force", no_argument, NULL, OPT_FORCE},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"no-plots", no_argument, NULL, OPT_NO_PLOTS},
        {"npy", no_argument, NULL, OPT_NPY},
        {NULL, 0, NULL, 0},
    };
    optind = 0; /* reset: getopt_long may have run for another command */
    opterr = 0;
    int c;
    double v;
    while ((c = getopt_long(argc, argv, ":q", allow_evolve ? all : run_only, NULL)) != -1) {
        switch (c) {
        case OPT_OUT:
            o->out = optarg;
            break;
        case OPT_SET:
            if (o->nset >= HR_CLI_MAX_SET) {
                fprintf(stderr, "hydrores %s: too many --set (allowed: at most %d)\n", cmd,
                        HR_CLI_MAX_SET);
                return HR_EXIT_USAGE;
            }
            o->set[o->nset++] = optarg;
            break;
        case OPT_GENOME:
            o->genome = optarg;
            break;
        case OPT_FORCE:
            o->force = 1;
            break;
        case 'q':
        case OPT_QUIET:
            o->quiet = 1;
            break;
        case OPT_NO_PLOTS:
            o->no_plots = 1;
            break;
        case OPT_NPY:
            o->npy = 1;
            break;
        case OPT_RESUME:
            o->resume = 1;
            break;
        case OPT_SEED:
        case OPT_THREADS:
        case OPT_MAX_EVALS:
        case OPT_TIME_LIMIT: {
            const char *name = c == OPT_SEED ? "seed" : c == OPT_THREADS ? "threads"
                               : c == OPT_MAX_EVALS ? "max-evals" : "time-limit";
            if (number_opt(cmd, name, optarg, c != OPT_TIME_LIMIT, &v))
                return HR_EXIT_USAGE;
            if (c == OPT_SEED && v > 4294967295.0) {
                fprintf(stderr, "hydrores %s: --seed %s (allowed: 0 .. 4294967295)\n", cmd,
                        optarg);
                return HR_EXIT_USAGE;
            }
            if (c == OPT_SEED)
                o->seed = (long long)v;
            else if (c == OPT_THREADS)
                o->threads = (int)v;
            else if (c == OPT_MAX_EVALS)
                o->max_evals = (long long)v;
            else
                o->time_limit = v;
            break;
        }
        case ':':
            fprintf(stderr, "hydrores %s: %s needs a value\n", cmd, argv[optind - 1]);
            return HR_EXIT_USAGE;
        default:
            fprintf(stderr, "hydrores %s: unknown option '%s' (see hydrores %s --help)\n", cmd,
                    argv[optind - 1], cmd);
            return HR_EXIT_USAGE;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (!o->config) {
            o->config = argv[i];
            continue;
        }
        fprintf(stderr, "hydrores %s: unexpected argument '%s' (one CONFIG file allowed)\n", cmd,
                argv[i]);
        return HR_EXIT_USAGE;
    }
    if (!o->config) {
        fprintf(stderr, "hydrores %s: missing CONFIG (see hydrores %s --help)\n", cmd, cmd);
        return HR_EXIT_USAGE;
    }
    return HR_EXIT_OK;
}

int hr_cli_load(const hr_cli_opts *o, hr_experiment **out)
{
    hr_experiment *e;
    int st = hr_config_load(o->config, &e);
    if (st)
        return st;
    for (int i = 0; i < o->nset; i++) {
        char name[128];
        const char *eq = strchr(o->set[i], '=');
        if (!eq || eq == o->set[i] || (size_t)(eq - o->set[i]) >= sizeof name) {
            hr_experiment_destroy(e);
            return HR_ERROR(HR_EINVAL, "--set %s: expected NAME=VALUE (allowed NAME: a gene or "
                            "section.setting)", o->set[i]);
        }
        memcpy(name, o->set[i], (size_t)(eq - o->set[i]));
        name[eq - o->set[i]] = '\0';
        if ((st = hr_experiment_set(e, name, eq + 1))) {
            hr_experiment_destroy(e);
            return st;
        }
    }
    if (o->genome) {
        /* --genome sets every gene: a --set of a gene as well is ambiguous. */
        for (int i = 0; i < o->nset; i++)
            for (int g = 0; g < e->ngenes; g++) {
                size_t n = strlen(e->genes[g].name);
                if (strncmp(o->set[i], e->genes[g].name, n) == 0 && o->set[i][n] == '=') {
                    st = HR_ERROR(HR_EINVAL, "--set %s and --genome both set gene '%s' "
                                  "(allowed: one of them)", o->set[i], e->genes[g].name);
                    hr_experiment_destroy(e);
                    return st;
                }
            }
        double g[HR_MAX_GENES];
        int n = 0;
        const char *c = o->genome;
        while (*c) {
            char *end;
            if (n >= HR_MAX_GENES)
                break;
            g[n] = strtod(c, &end);
            if (end == c || (*end && *end != ',' && *end != ';')) {
                hr_experiment_destroy(e);
                return HR_ERROR(HR_EPARSE, "--genome: value %d ('%.20s') is not a number (allowed: "
                                "V1,V2,... with each V in 0 .. 1)", n + 1, c);
            }
            n++;
            c = *end ? end + 1 : end;
        }
        if ((st = hr_experiment_set_genome(e, g, n))) {
            hr_experiment_destroy(e);
            return hr_error_prefix(st, "--genome");
        }
    }
    if ((st = hr_experiment_check(e))) {
        hr_experiment_destroy(e);
        return st;
    }
    *out = e;
    return HR_OK;
}


void hr_cli_plots(const hr_cli_opts *o, const char *cmd, const char *dir)
{
    if (o->no_plots)
        return;
    hr_plot_options po = hr_plot_options_default();
    po.quiet = 1;
    if (hr_plot_folder(dir, &po) != HR_OK)
        fprintf(stderr, "hydrores %s: figures not drawn (the results are complete): %s\n", cmd,
                hr_error_message());
}

void hr_cli_warnings(const hr_experiment *e, const hr_worker *w)
{
    const hr_substrate *sub = hr_worker_substrate(w);
    int np;
    double dt;
    if (!sub || hr_substrate_probes(sub, &np, &dt))
        return;
    const hr_section *ro = e->sec[HR_SEC_READOUT];
    int nt;
    const double *t = hr_section_list(ro, "t", &nt);
    const char *rule = hr_section_str(ro, "rule");
    double tmax = 0;
    for (int i = 0; i < nt; i++) {
        tmax = t[i] > tmax ? t[i] : tmax;
        for (int j = i + 1; strcmp(rule, "floor") == 0 && j < nt; j++)
            if (floor(t[i] / dt + 1e-9) == floor(t[j] / dt + 1e-9))
                fprintf(stderr, "hydrores: warning: readout times t%d = %g and t%d = %g read the "
                        "same sample of the traces (spacing %g): X has two equal columns (allowed: "
                        "times at least %g apart, or a finer substrate dt_out)\n", i, t[i], j, t[j],
                        dt, dt);
    }
    /* Readout times no gene moves, outside the window the readout genes explore. */
    double glo = INFINITY, ghi = -INFINITY;
    int tindex = hr_section_find(ro, "t");
    for (int g = 0; g < e->ngenes; g++)
        if (e->genes[g].section == HR_SEC_READOUT && e->genes[g].spec_index == tindex) {
            glo = fmin(glo, e->genes[g].lo);
            ghi = fmax(ghi, e->genes[g].hi);
        }
    for (int i = 0; i < nt && glo <= ghi; i++) {
        int moved = 0;
        for (int g = 0; g < e->ngenes; g++)
            moved |= e->genes[g].section == HR_SEC_READOUT && e->genes[g].spec_index == tindex &&
                     e->genes[g].elem == i;
        if (!moved && (t[i] < glo - (ghi - glo) || t[i] > ghi + (ghi - glo)))
            fprintf(stderr, "hydrores: warning: readout time t%d = %g is far outside the window "
                    "%g .. %g that the genes on readout times explore\n", i, t[i], glo, ghi);
    }
    for (int g = 0; g < e->ngenes; g++)
        if (e->genes[g].section == HR_SEC_READOUT && e->genes[g].hi > tmax)
            tmax = e->genes[g].hi;
    double samples = tmax / dt;
    if (samples > 2e5)
        fprintf(stderr, "hydrores: warning: readout times up to %g need %.3g samples per probe "
                "and run (spacing %g): runs take long, and traces.csv grows by about %.0f MB "
                "per run and probe\n", tmax, samples, dt, samples * 24 / 1e6);
}
