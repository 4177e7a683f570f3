/* cmd_evolve.c — `hydrores evolve`: evolves the experiment's genes (GA or
 * MAP-Elites), in parallel, checkpointed after every generation/batch,
 * resumable, and stoppable with SIGINT/SIGTERM. */
#include "evolve/evolve.h"
#include "interface/cli.h"
#include "interface/config.h"
#include "base/status.h"
#include "reservoir/encoder.h"
#include "reservoir/evolution.h"
#include "reservoir/experiment.h"
#include "reservoir/pipeline.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    if (stop_flag < 2)
        stop_flag++;
}

typedef struct progress_ctx {
    FILE *csv;  /* generations.csv */
    int tty;    /* stderr is a terminal: show the one-line display */
    int quiet;  /* --quiet */
    int status; /* first write error */
} progress_ctx;

static void on_progress(void *ctx, const hr_evo_progress *p)
{
    progress_ctx *pc = ctx;
    if (!pc->status && hr_evo_csv_row(pc->csv, p))
        pc->status = HR_EIO;
    if (pc->tty && !pc->quiet) {
        char line[256];
        hr_evo_progress_format(p, line, sizeof line);
        fprintf(stderr, "\r\033[K%s", line);
        fflush(stderr);
    }
}

static int dir_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Drops the budget line (evolve.evaluations) so a resumed run may be given a
 * larger budget: the budget is not part of a run's identity. */
static void drop_budget(char *text)
{
    char *p = text ? strstr(text, "<evaluations>") : NULL;
    if (!p)
        return;
    char *end = strchr(p, '\n');
    memmove(p, end ? end : p + strlen(p), strlen(end ? end : p + strlen(p)) + 1);
}

/* The resolved experiment as text, for comparing with a run being resumed. */
static char *resolved_text(const hr_experiment *e)
{
    char *buf = NULL;
    size_t size;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return NULL;
    hr_config_write(e, f);
    fclose(f);
    return buf;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap = cap ? 2 * cap : 4096);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        buf[n++] = (char)c;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static void usage(void)
{
    printf("usage: hydrores evolve CONFIG --out DIR [--resume] [--seed N] [--threads N]\n"
           "                       [--max-evals N] [--time-limit SECONDS] [--set NAME=VALUE ...]\n"
           "                       [--force] [--quiet]\n\n"
           "Evolves the experiment's genes by the <evolve> section (ga or map-elites),\n"
           "maximising the <fitness> (default log|det X|). Writes into DIR:\n"
           "  config.xml       the resolved experiment\n"
           "  generations.csv  per generation/batch: evaluations, best, mean, worst, elapsed\n"
           "  archive.csv      MAP-Elites: cell, descriptors, fitness, genome (GA: the population)\n"
           "  best.xml         the experiment with the best genome filled in\n"
           "                   (hydrores run DIR/best.xml reproduces its fitness exactly)\n"
           "  summary.csv      hand-selected (configured) versus evolved: |det X|, score, ...\n"
           "  checkpoint.bin   the whole optimiser state, after every generation/batch\n"
           "  failures.log     evaluations that failed (unstable runs...), with the reason\n\n"
           "  --resume          continue from DIR/checkpoint.bin to exactly the result an\n"
           "                    uninterrupted run gives (same CONFIG required)\n"
           "  --seed N          random seed (default: evolve.seed)\n"
           "  --threads N       evaluation threads (default: all cores); results do not\n"
           "                    depend on it\n"
           "  --max-evals N     evaluation budget (default: evolve.evaluations)\n"
           "  --time-limit S    stop (checkpointed, resumable) after S seconds\n"
           "  --force           replace an existing DIR\n\n"
           "SIGINT/SIGTERM finish the current generation, checkpoint and exit with status\n"
           "130; a second signal abandons the generation in flight. Progress is shown on\n"
           "one line when stderr is a terminal.\n");
}

int hr_cmd_evolve(int argc, char **argv)
{
    if (hr_cli_wants_help(argc, argv)) {
        usage();
        return HR_EXIT_OK;
    }
    hr_cli_opts o;
    int rc = hr_cli_parse(argc, argv, &o, 1);
    if (rc)
        return rc;
    if (!o.out) {
        fprintf(stderr, "hydrores evolve: missing --out DIR (where results go)\n");
        return HR_EXIT_USAGE;
    }
    if (o.genome) {
        fprintf(stderr, "hydrores evolve: --genome does not apply (genes are what evolves)\n");
        return HR_EXIT_USAGE;
    }
    hr_experiment *e;
    int st = hr_cli_load(&o, &e);
    if (st) {
        fprintf(stderr, "%s\n", hr_error_message());
        return HR_EXIT_USAGE;
    }
    if (o.seed >= 0)
        hr_section_set_number(e->sec[HR_SEC_EVOLVE], "seed", (double)o.seed, "--seed");
    if (o.max_evals > 0 && (st = hr_section_set_number(e->sec[HR_SEC_EVOLVE], "evaluations",
                                                        (double)o.max_evals, "--max-evals"))) {
        fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
        hr_experiment_destroy(e);
        return HR_EXIT_USAGE;
    }
    const hr_section *ev = e->sec[HR_SEC_EVOLVE];

    /* The optimiser's configuration and the workers (serially: substrates
     * make FFT plans), before anything is written. */
    int nthreads = o.threads > 0 ? o.threads : omp_get_max_threads();
    hr_evolution *evn = NULL;
    if ((st = hr_evolution_create(&evn, e, nthreads))) {
        fprintf(stderr, "%s: %s\n", o.config, hr_error_message());
        hr_experiment_destroy(e);
        return st == HR_EINVAL || st == HR_ERANGE || st == HR_EPARSE ? HR_EXIT_USAGE : HR_EXIT_FAIL;
    }
    const hr_evo_config *cfgp = hr_evolution_config(evn);

    /* The output folder: new, replaced (--force) or resumed (--resume). */
    char path[1200], ckpt[1200];
    snprintf(ckpt, sizeof ckpt, "%s/checkpoint.bin", o.out);
    char *mine = resolved_text(e);
    if (o.resume) {
        snprintf(path, sizeof path, "%s/config.xml", o.out);
        char *theirs = read_file(path);
        char *mine_nb = mine ? strdup(mine) : NULL;
        drop_budget(theirs);
        drop_budget(mine_nb);
        int same = theirs && mine_nb && strcmp(theirs, mine_nb) == 0;
        free(mine_nb);
        free(theirs);
        if (!dir_exists(o.out) || access(ckpt, R_OK) != 0) {
            fprintf(stderr, "hydrores evolve: --resume: %s has no checkpoint.bin to resume "
                    "(allowed: the --out of an earlier evolve run)\n", o.out);
            rc = HR_EXIT_USAGE;
        } else if (!same) {
            fprintf(stderr, "hydrores evolve: --resume: %s differs from the experiment in %s "
                    "(allowed: the same CONFIG and --set/--seed/--max-evals as the run being "
                    "resumed)\n", o.config, path);
            rc = HR_EXIT_USAGE;
        }
    } else if (dir_exists(o.out) && !o.force) {
        fprintf(stderr, "hydrores evolve: --out %s: already exists; results there are kept "
                "(allowed: a new folder, --resume to continue it, or --force to replace it)\n",
                o.out);
        rc = HR_EXIT_USAGE;
    } else if (dir_exists(o.out) && hr_outdir_replaceable(o.out)) {
        fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
        rc = HR_EXIT_USAGE;
    }
    if (rc) {
        free(mine);
        hr_evolution_destroy(evn);
        hr_experiment_destroy(e);
        return rc;
    }
    if (!o.resume) {
        if (dir_exists(o.out))
            hr_remove_tree(o.out);
        if (hr_mkdir_parents(o.out) || mkdir(o.out, 0777) != 0) {
            fprintf(stderr, "hydrores evolve: cannot create %s (%s)\n", o.out, strerror(errno));
            free(mine);
            hr_evolution_destroy(evn);
            hr_experiment_destroy(e);
            return HR_EXIT_FAIL;
        }
    }
    {
        /* (Re)written on resume too: the budget may have grown. */
        snprintf(path, sizeof path, "%s/config.xml", o.out);
        if ((st = hr_config_write_file(e, path))) {
            fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
            free(mine);
            hr_evolution_destroy(evn);
            hr_experiment_destroy(e);
            return HR_EXIT_FAIL;
        }
    }
    free(mine);

    hr_evo *evo = NULL;
    FILE *failures = NULL;
    progress_ctx pc = {0};
    int resumed = 0;
    st = hr_evo_open(cfgp, o.resume ? ckpt : NULL, &evo, &resumed);
    if (!st) {
        snprintf(path, sizeof path, "%s/generations.csv", o.out);
        st = hr_evo_csv_open(path, resumed ? hr_evo_generations(evo) : -1, &pc.csv);
    }
    if (!st) {
        snprintf(path, sizeof path, "%s/failures.log", o.out);
        failures = fopen(path, resumed ? "a" : "w");
        if (!failures)
            st = HR_ERROR(HR_EIO, "%s: cannot write (%s)", path, strerror(errno));
    }
    if (st) {
        fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
        rc = st == HR_ECORRUPT || st == HR_EINVAL ? HR_EXIT_USAGE : HR_EXIT_FAIL;
        goto done;
    }
    pc.tty = isatty(2);
    pc.quiet = o.quiet;
    if (!o.quiet)
        fprintf(stderr, "hydrores evolve: %s, %s, %d genes, %d thread%s, seed %llu%s\n", e->name,
                ev->kind, e->ngenes, nthreads, nthreads == 1 ? "" : "s",
                (unsigned long long)cfgp->seed, resumed ? ", resumed" : "");

    stop_flag = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    hr_evo_evaluator evaluator = hr_evolution_evaluator(evn);
    evaluator.log = hr_evo_log_to_file;
    evaluator.log_ctx = failures;
    hr_evo_run_options ro = {.budget = {.max_evaluations = hr_section_int(ev, "evaluations"),
                                        .time_limit = o.time_limit},
                             .checkpoint = ckpt, .checkpoint_every = 1, .stop = &stop_flag,
                             .progress = on_progress, .progress_ctx = &pc};
    enum hr_evo_stop why = HR_EVO_CONTINUE;
    long evals0 = hr_evo_evaluations(evo);
    double t0 = hr_now();
    st = hr_evo_run(evo, &evaluator, &ro, &why);
    double elapsed = hr_now() - t0;
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (pc.tty && !o.quiet)
        fprintf(stderr, "\n");
    if (st && st != HR_EINTERRUPT) {
        fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
        rc = HR_EXIT_FAIL;
        goto done;
    }
    if (pc.status) {
        fprintf(stderr, "hydrores evolve: cannot write generations.csv\n");
        rc = HR_EXIT_FAIL;
        goto done;
    }

    /* Archive, best genome, and the hand-selected-versus-evolved table. */
    const char *names[HR_MAX_GENES];
    for (int i = 0; i < e->ngenes; i++)
        names[i] = e->genes[i].name;
    snprintf(path, sizeof path, "%s/archive.csv", o.out);
    if ((st = hr_evo_write_csv(evo, path, names))) {
        fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
        rc = HR_EXIT_FAIL;
        goto done;
    }
    double best[HR_MAX_GENES], best_fit;
    if (hr_evo_best(evo, best, &best_fit, NULL) != HR_OK) {
        fprintf(stderr, "hydrores evolve: no evaluation succeeded (see %s/failures.log)\n", o.out);
        rc = HR_EXIT_FAIL;
        goto done;
    }
    hr_experiment *be = hr_experiment_clone(e);
    if (!be || hr_experiment_set_genome(be, best, e->ngenes)) {
        fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
        hr_experiment_destroy(be);
        rc = HR_EXIT_FAIL;
        goto done;
    }
    snprintf(path, sizeof path, "%s/best.xml", o.out);
    st = hr_config_write_file(be, path);
    hr_experiment_destroy(be);
    hr_result hand, evolved;
    int sh = hr_worker_evaluate(hr_evolution_worker(evn, 0), NULL, 0, &hand);
    int se = hr_worker_evaluate(hr_evolution_worker(evn, 0), best, 0, &evolved);
    snprintf(path, sizeof path, "%s/summary.csv", o.out);
    FILE *f = st ? NULL : fopen(path, "w");
    if (!f) {
        fprintf(stderr, "hydrores evolve: cannot write %s\n", path);
        rc = HR_EXIT_FAIL;
    } else {
        fprintf(f, "name,hand_selected,evolved\n");
        fprintf(f, "det_abs,%.17g,%.17g\nlogdet,%.17g,%.17g\nlogdet_gram,%.17g,%.17g\n",
                hand.det_abs, evolved.det_abs, hand.logdet, evolved.logdet, hand.logdet_gram,
                evolved.logdet_gram);
        fprintf(f, "%s,%.17g,%.17g\n%s_train,%.17g,%.17g\nfitness,%.17g,%.17g\n",
                evolved.score_name, hand.score, evolved.score, evolved.score_name,
                hand.score_train, evolved.score_train, hand.fitness, evolved.fitness);
        rc = hr_close_checked(f, path) ? HR_EXIT_FAIL : rc;
    }
    hr_evo_progress sum;
    hr_evo_summary(evo, &sum);
    printf("%s: %ld evaluations (%ld failed), %ld of them in this session: %.1f s, "
           "%.1f evaluations/s, %s\n", e->name, sum.evaluations, sum.failures,
           sum.evaluations - evals0, elapsed,
           elapsed > 0 ? (double)(sum.evaluations - evals0) / elapsed : 0.0,
           why == HR_EVO_INTERRUPTED ? "interrupted" :
           why == HR_EVO_TIME_LIMIT ? "time limit reached" : "budget reached");
    if (!sh && !se) {
        printf("\n  %-24s %16s %16s\n", "", "hand-selected", "evolved");
        if (evolved.nrows == evolved.ncols)
            printf("  %-24s %16.6g %16.6g\n", "|det X|", hand.det_abs, evolved.det_abs);
        printf("  %-24s %16.6g %16.6g\n", "log det(XtX + lI)", hand.logdet_gram,
               evolved.logdet_gram);
        printf("  %-24s %16.6g %16.6g\n", evolved.score_name, hand.score, evolved.score);
        printf("  %-24s %16.10g %16.10g\n\n", "fitness", hand.fitness, evolved.fitness);
    } else {
        fprintf(stderr, "hydrores evolve: could not re-evaluate for the summary: %s\n",
                hr_error_message());
    }
    hr_result_free(&hand);
    hr_result_free(&evolved);
    printf("results in %s/ (best genome: %s/best.xml)\n", o.out, o.out);
    if (why == HR_EVO_INTERRUPTED || why == HR_EVO_TIME_LIMIT) {
        printf("continue with: hydrores evolve %s --out %s --resume\n", o.config, o.out);
        if (why == HR_EVO_INTERRUPTED)
            rc = 130;
    }
done:
    if (pc.csv)
        fclose(pc.csv);
    if (failures)
        fclose(failures);
    hr_evo_destroy(evo);
    hr_evolution_destroy(evn);
    hr_experiment_destroy(e);
    return rc;
}
