/* cmd_evolve.c — `hydrores evolve`: evolves the experiment's genes with the
 * <evolve> section's optimiser, in parallel, checkpointed after every
 * generation/batch, resumable, stoppable with SIGINT/SIGTERM.
 *
 * Result folders are trustworthy: everything is checked before anything is
 * written (a refused command leaves the folder as it was, byte for byte); a
 * new run is written into DIR.tmp-PID and takes DIR's place only once its
 * first checkpoint exists (with --force, the old folder is moved aside and
 * removed only then); a process writing into a folder holds its lock; and
 * `hydrores evolve --resume DIR` continues from what the folder itself says
 * (its config.xml holds the seed and every --set of the run). */
#define _GNU_SOURCE
#include "evolve/evolve.h"
#include "base/atomic.h"
#include "base/clock.h"
#include "base/status.h"
#include "interface/cli.h"
#include "interface/config.h"
#include "interface/mpi.h"
#include "interface/outdir.h"
#include "reservoir/evolution.h"
#include "reservoir/front.h"
#include "reservoir/experiment.h"
#include "reservoir/pipeline.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Most evaluation threads (the evaluator's limit). */
#define MAX_THREADS 4096

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    if (stop_flag < 2)
        stop_flag++;
}

static int dir_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* ---- The run's folder ---- */

typedef struct run_folder {
    char final[1024]; /* DIR */
    char dir[1100];   /* where files go now: DIR, or DIR.tmp-PID until the swap */
    char ckpt[1200];  /* dir/checkpoint.bin (the evolution saves there) */
    int fresh;        /* 1: a new run, still in the temporary folder */
    int replace;      /* --force over an existing DIR */
    int lock_fd;      /* the folder's lock */
} run_folder;

static void folder_path(const run_folder *rf, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", rf->dir, name);
}

/* Puts a fresh run's temporary folder in DIR's place (the old DIR, if any,
 * moved aside first and removed after). The lock moves with the folder. */
static int folder_swap(run_folder *rf)
{
    if (!rf->fresh)
        return HR_OK;
    char old[1100];
    old[0] = '\0';
    if (rf->replace && dir_exists(rf->final)) {
        snprintf(old, sizeof old, "%s.old-%d", rf->final, (int)getpid());
        if (rename(rf->final, old) != 0)
            return HR_ERROR(HR_EIO, "cannot move the old %s aside (%s); the new run is in %s",
                            rf->final, strerror(errno), rf->dir);
    }
    if (rename(rf->dir, rf->final) != 0) {
        int err = errno;
        if (old[0])
            rename(old, rf->final);
        return HR_ERROR(HR_EIO, "cannot rename %s to %s (%s)", rf->dir, rf->final, strerror(err));
    }
    if (old[0])
        hr_remove_tree(old);
    snprintf(rf->dir, sizeof rf->dir, "%s", rf->final);
    snprintf(rf->ckpt, sizeof rf->ckpt, "%s/checkpoint.bin", rf->final);
    rf->fresh = 0;
    return HR_OK;
}

/* ---- Progress ---- */

typedef struct progress_ctx {
    FILE *csv;               /* generations.csv */
    run_folder *folder;      /* swapped into place after the first checkpoint */
    int tty;                 /* stderr is a terminal */
    int quiet;               /* --quiet */
    int status;              /* first write error */
    pthread_mutex_t lock;    /* guards last */
    hr_evo_progress last;    /* the last generation's report */
    int have_last;
    atomic_long evaluated;   /* evaluations finished in this session */
    long evals0;             /* evaluations done before this session */
    long budget;             /* the evaluation budget */
    double t0;               /* session start (hr_now) */
    atomic_int done;         /* the run is over: the heartbeat ends */
    hr_evo_evaluator inner;  /* the real evaluator (counted) */
} progress_ctx;

static int counted_eval(void *ctx, int worker, const double *genome, double *fitness,
                        double *desc)
{
    progress_ctx *pc = ctx;
    int st = pc->inner.eval(pc->inner.ctx, worker, genome, fitness, desc);
    atomic_fetch_add(&pc->evaluated, 1);
    return st;
}

static void print_line(progress_ctx *pc, const char *line)
{
    if (pc->tty)
        fprintf(stderr, "\r\033[K%s", line);
    else
        fprintf(stderr, "%s\n", line);
    fflush(stderr);
}

static void on_progress(void *ctx, const hr_evo_progress *p)
{
    progress_ctx *pc = ctx;
    if (!pc->status && hr_evo_csv_row(pc->csv, p))
        pc->status = HR_EIO;
    if (!pc->status && pc->folder->fresh && folder_swap(pc->folder)) {
        pc->status = HR_EIO;
        fprintf(stderr, "\nhydrores evolve: %s\n", hr_error_message());
    }
    pthread_mutex_lock(&pc->lock);
    pc->last = *p;
    pc->have_last = 1;
    pthread_mutex_unlock(&pc->lock);
    if (pc->tty && !pc->quiet) {
        char line[256];
        hr_evo_progress_format(p, line, sizeof line);
        print_line(pc, line);
    }
}

/* A line every second on a terminal, every 10 s into a pipe or file, also
 * while a long generation is still being evaluated. */
static void *heartbeat(void *ctx)
{
    progress_ctx *pc = ctx;
    /* HR_PROGRESS_EVERY (seconds) overrides the period, for tests. */
    const char *env = getenv("HR_PROGRESS_EVERY");
    double every = env && atof(env) > 0 ? atof(env) : pc->tty ? 1.0 : 10.0;
    double next = hr_now() + every;
    while (!atomic_load(&pc->done)) {
        usleep(100000);
        double now = hr_now();
        if (now < next)
            continue;
        next = now + every;
        long n = atomic_load(&pc->evaluated), total = pc->evals0 + n;
        double el = now - pc->t0, rate = el > 0 ? (double)n / el : 0;
        char best[64] = "--";
        pthread_mutex_lock(&pc->lock);
        if (pc->have_last && isfinite(pc->last.best_ever))
            snprintf(best, sizeof best, "%.6g", pc->last.best_ever);
        pthread_mutex_unlock(&pc->lock);
        char eta[32] = "--:--";
        if (rate > 0 && pc->budget > total) {
            long s = (long)((double)(pc->budget - total) / rate + 0.5);
            snprintf(eta, sizeof eta, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
        }
        char line[256];
        snprintf(line, sizeof line, "evals %ld/%ld  %.1f ev/s  best %s  %.0f s  ETA %s", total,
                 pc->budget, rate, best, el, eta);
        print_line(pc, line);
    }
    return NULL;
}

/* ---- Summary ---- */

/* One row of summary.csv: a value, or empty where an evaluation failed. */
static void summary_row(FILE *f, const char *name, int hand_ok, double hand, int evo_ok,
                        double evo)
{
    fprintf(f, "%s,", name);
    if (hand_ok)
        fprintf(f, "%.17g", hand);
    fprintf(f, ",");
    if (evo_ok)
        fprintf(f, "%.17g", evo);
    fprintf(f, "\n");
}

/* summary.csv (atomically) and the table on stdout: hand-selected (the
 * configured genes) versus evolved; a failed evaluation has no numbers, and
 * the table says why. */
static int write_summary(const run_folder *rf, hr_worker *w, const double *best)
{
    hr_result hand, evolved;
    int sh = hr_worker_evaluate(w, NULL, 0, &hand);
    char hand_why[512] = "";
    if (sh)
        snprintf(hand_why, sizeof hand_why, "%s", hr_error_message());
    int se = hr_worker_evaluate(w, best, 0, &evolved);
    char evo_why[512] = "";
    if (se)
        snprintf(evo_why, sizeof evo_why, "%s", hr_error_message());
    int hok = sh == HR_OK, eok = se == HR_OK;
    const char *sname = eok ? evolved.score_name : hok ? hand.score_name : "score";
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return HR_ERROR(HR_ENOMEM, "out of memory");
    fprintf(f, "name,hand_selected,evolved\n");
    summary_row(f, "det_abs", hok, hand.det_abs, eok, evolved.det_abs);
    summary_row(f, "logdet", hok, hand.logdet, eok, evolved.logdet);
    summary_row(f, "logdet_gram", hok, hand.logdet_gram, eok, evolved.logdet_gram);
    summary_row(f, sname, hok, hand.score, eok, evolved.score);
    char train[32];
    snprintf(train, sizeof train, "%s_train", sname);
    summary_row(f, train, hok, hand.score_train, eok, evolved.score_train);
    summary_row(f, "fitness", hok, hand.fitness, eok, evolved.fitness);
    int st = fclose(f) == 0 ? HR_OK : HR_ERROR(HR_ENOMEM, "out of memory");
    char path[1200];
    folder_path(rf, "summary.csv", path, sizeof path);
    if (!st)
        st = hr_write_atomic(path, text, len, "summary CSV");
    free(text);

    printf("\n  %-24s %16s %16s\n", "", "hand-selected", "evolved");
#define CELL(ok, v, fmt) ok ? printf(fmt, v) : printf("%16s", "failed")
    int square = eok ? evolved.nrows == evolved.ncols : hok && hand.nrows == hand.ncols;
    if (square) {
        printf("  %-24s ", "|det X|");
        CELL(hok, hand.det_abs, "%16.6g");
        printf(" ");
        CELL(eok, evolved.det_abs, "%16.6g");
        printf("\n");
    }
    printf("  %-24s ", "log det(XtX + lI)");
    CELL(hok, hand.logdet_gram, "%16.6g");
    printf(" ");
    CELL(eok, evolved.logdet_gram, "%16.6g");
    printf("\n  %-24s ", sname);
    CELL(hok, hand.score, "%16.6g");
    printf(" ");
    CELL(eok, evolved.score, "%16.6g");
    printf("\n  %-24s ", "fitness");
    CELL(hok, hand.fitness, "%16.10g");
    printf(" ");
    CELL(eok, evolved.fitness, "%16.10g");
    printf("\n");
#undef CELL
    if (!hok)
        printf("  hand-selected failed: %s\n", hand_why);
    if (!eok)
        printf("  evolved failed: %s\n", evo_why);
    printf("\n");
    hr_result_free(&hand);
    hr_result_free(&evolved);
    return st;
}

/* Appends to archive.csv one column per gene target (named by the target,
 * e.g. encoder.freq0) with the decoded value lo + (hi - lo) g, so the
 * archive reads in physical units. The genes are the last ngenes columns. */
static int add_targets(const char *path, const hr_experiment *e)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return HR_ERROR(HR_EIO, "%s: cannot read (%s)", path, strerror(errno));
    char *out = NULL;
    size_t outlen = 0;
    FILE *o = open_memstream(&out, &outlen);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int first = 1, st = o ? HR_OK : HR_ERROR(HR_ENOMEM, "out of memory");
    while (!st && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        fputs(line, o);
        if (first) {
            for (int i = 0; i < e->ngenes; i++)
                if (e->genes[i].section >= 0)
                    fprintf(o, ",%s", e->genes[i].target);
            first = 0;
        } else {
            /* The last ngenes fields. */
            int fields = 1;
            for (char *c = line; *c; c++)
                fields += *c == ',';
            char *c = line;
            for (int k = 0; k < fields - e->ngenes; k++)
                c = strchr(c, ',') + 1;
            for (int i = 0; i < e->ngenes; i++) {
                double g = strtod(c, &c);
                if (*c == ',')
                    c++;
                const hr_gene *ge = &e->genes[i];
                if (ge->section >= 0)
                    fprintf(o, ",%.17g", ge->lo + (ge->hi - ge->lo) * g);
            }
        }
        fputc('\n', o);
    }
    free(line);
    fclose(f);
    if (o && fclose(o) != 0 && !st)
        st = HR_ERROR(HR_ENOMEM, "out of memory");
    if (!st)
        st = hr_write_atomic(path, out, outlen, "archive CSV");
    free(out);
    return st;
}

/* ---- The command ---- */

static void usage(void)
{
    printf("usage: hydrores evolve CONFIG --out DIR [--seed N] [--threads N] [--max-evals N]\n"
           "                       [--time-limit SECONDS] [--set NAME=VALUE ...] [--force]\n"
           "                       [--quiet] [--no-plots]\n"
           "       hydrores evolve --resume DIR [--max-evals N] [--time-limit S] [--threads N]\n\n"
           "Evolves the experiment's genes by the <evolve> section's optimiser, maximising\n"
           "the <fitness> (default log|det X|). Writes into DIR:\n"
           "  config.xml       the resolved experiment (seed, budget and every --set in it)\n"
           "  generations.csv  per generation/batch: evaluations, best, mean, worst, elapsed\n"
           "  archive.csv      the archive (MAP-Elites: one row per filled cell, in cell\n"
           "                   order) or the population (GA: best first), genes in [0, 1]\n"
           "                   and, after them, their targets' values\n"
           "  best.xml         the experiment with the best genome filled in\n"
           "                   (hydrores run DIR/best.xml reproduces its fitness exactly)\n"
           "  summary.csv      hand-selected (configured) versus evolved: |det X|, score, ...\n"
           "                   (empty where an evaluation failed)\n"
           "  checkpoint.bin   the whole optimiser state, after every generation/batch\n"
           "  failures.log     evaluations that failed (unstable runs, singular X), with why\n"
           "  fitness.png, archive.png, genes.png   the figures (--no-plots: none)\n\n"
           "  --resume DIR      continue the run in DIR to exactly the result an\n"
           "                    uninterrupted run gives; the experiment, seed and settings\n"
           "                    come from DIR/config.xml (the older form CONFIG --out DIR\n"
           "                    --resume works too, with the same CONFIG and options)\n"
           "  --seed N          random seed, 0 .. 4294967295 (default: evolve.seed)\n"
           "  --threads N       evaluation threads, 1 .. 4096 (default, or 0: all cores);\n"
           "                    results do not depend on it\n"
           "  --max-evals N     evaluation budget, >= 1 (default: evolve.evaluations); it is\n"
           "                    checked between generations/batches, so the last one may go\n"
           "                    beyond it (a MAP-Elites batch of 100 turns 64 into 100)\n"
           "  --time-limit S    stop (checkpointed, resumable) after S seconds, checked\n"
           "                    between generations/batches like the budget\n"
           "  --force           replace an existing DIR that hydrores wrote, once the new\n"
           "                    run has its first checkpoint\n\n"
           "SIGINT/SIGTERM finish the current generation, checkpoint and exit with status\n"
           "130; a second signal abandons the generation in flight. Progress goes to\n"
           "stderr: one updating line on a terminal, a line every 10 s otherwise.\n");
}

/* Whether any --set names a gene, or a setting a gene evolves (which the
 * gene would silently override): exit status, 0 if none. */
static int check_sets(const hr_cli_opts *o, const hr_experiment *e)
{
    for (int i = 0; i < o->nset; i++) {
        const char *eq = strchr(o->set[i], '=');
        size_t n = eq ? (size_t)(eq - o->set[i]) : strlen(o->set[i]);
        for (int g = 0; g < e->ngenes; g++) {
            const hr_gene *ge = &e->genes[g];
            if (ge->section >= 0 && strlen(ge->target) == n &&
                strncmp(ge->target, o->set[i], n) == 0) {
                fprintf(stderr, "hydrores evolve: --set %s: gene '%s' evolves %s, so the value "
                        "would be overridden (allowed: --set %s=G with G in 0 .. 1 for the "
                        "hand-selected value, or change the gene's range)\n", o->set[i],
                        ge->name, ge->target, ge->name);
                return HR_EXIT_USAGE;
            }
        }
    }
    return HR_EXIT_OK;
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
    /* `--resume DIR`: the folder says what the run is. */
    char resume_config[1200];
    int resume_dir = o.resume && !o.out && o.config && dir_exists(o.config);
    if (resume_dir) {
        if (o.nset || o.seed >= 0 || o.genome || o.force) {
            fprintf(stderr, "hydrores evolve: --resume %s takes the experiment, seed and "
                    "settings from %s/config.xml (allowed with it: --max-evals, --time-limit, "
                    "--threads, --quiet, --no-plots)\n", o.config, o.config);
            return HR_EXIT_USAGE;
        }
        o.out = o.config;
        snprintf(resume_config, sizeof resume_config, "%s/config.xml", o.out);
        o.config = resume_config;
    }
    if (!o.out) {
        fprintf(stderr, "hydrores evolve: missing --out DIR (where results go)\n");
        return HR_EXIT_USAGE;
    }
    if (o.genome) {
        fprintf(stderr, "hydrores evolve: --genome does not apply (genes are what evolves)\n");
        return HR_EXIT_USAGE;
    }
    if (o.force && o.resume) {
        fprintf(stderr, "hydrores evolve: --force and --resume contradict each other (allowed: "
                "one of them)\n");
        return HR_EXIT_USAGE;
    }
    if (o.max_evals == 0) {
        fprintf(stderr, "hydrores evolve: --max-evals 0 would evaluate nothing (allowed: >= 1)\n");
        return HR_EXIT_USAGE;
    }
    if (o.threads > MAX_THREADS) {
        fprintf(stderr, "hydrores evolve: --threads %d (allowed: 1 .. %d, or 0 for all %d "
                "cores)\n", o.threads, MAX_THREADS, omp_get_num_procs());
        return HR_EXIT_USAGE;
    }
    if (o.seed > 4294967295LL) {
        fprintf(stderr, "hydrores evolve: --seed %lld (allowed: 0 .. 4294967295)\n", o.seed);
        return HR_EXIT_USAGE;
    }

    /* The folder of a resume is locked first: nothing is read while another
     * process may be writing it. */
    run_folder rf;
    memset(&rf, 0, sizeof rf);
    rf.lock_fd = -1;
    snprintf(rf.final, sizeof rf.final, "%s", o.out);
    size_t fl = strlen(rf.final);
    while (fl > 1 && rf.final[fl - 1] == '/')
        rf.final[--fl] = '\0';
    if (o.resume) {
        if (!dir_exists(rf.final)) {
            fprintf(stderr, "hydrores evolve: --resume: %s is not a folder (allowed: the --out "
                    "of an earlier evolve run)\n", rf.final);
            return HR_EXIT_USAGE;
        }
        if (hr_outdir_lock(rf.final, &rf.lock_fd)) {
            fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
            return HR_EXIT_USAGE;
        }
    }

    hr_experiment *e = NULL;
    hr_evolution *evn = NULL;
    hr_evo *evo = NULL;
    FILE *failures = NULL;
    char *mine = NULL;
    progress_ctx pc;
    memset(&pc, 0, sizeof pc);
    pthread_mutex_init(&pc.lock, NULL);
    pc.folder = &rf;
    int st = hr_cli_load(&o, &e);
    if (st) {
        fprintf(stderr, "%s\n", hr_error_message());
        rc = HR_EXIT_USAGE;
        goto done;
    }
    if ((rc = check_sets(&o, e)))
        goto done;
    if (o.seed >= 0)
        hr_section_set_number(e->sec[HR_SEC_EVOLVE], "seed", (double)o.seed, "--seed");
    if (o.max_evals > 0 && (st = hr_section_set_number(e->sec[HR_SEC_EVOLVE], "evaluations",
                                                        (double)o.max_evals, "--max-evals"))) {
        fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
        rc = HR_EXIT_USAGE;
        goto done;
    }
    const hr_section *ev = e->sec[HR_SEC_EVOLVE];
    long budget = (long)hr_section_num(ev, "evaluations");

    /* The optimiser's configuration and the workers (serially: substrates
     * make FFT plans), before anything is written. */
    int nthreads = o.threads > 0 ? o.threads : omp_get_max_threads();
    if ((st = hr_evolution_create(&evn, e, nthreads))) {
        fprintf(stderr, "%s: %s\n", o.config, hr_error_message());
        rc = st == HR_EINVAL || st == HR_ERANGE || st == HR_EPARSE ? HR_EXIT_USAGE : HR_EXIT_FAIL;
        goto done;
    }
    hr_cli_warnings(e, hr_evolution_worker(evn, 0));
    const hr_evo_config *cfgp = hr_evolution_config(evn);
    mine = hr_config_text(e, 1);
    char path[1200];
    int resumed = 0;
    if (o.resume) {
        /* Everything about the resume is checked before a byte is written. */
        snprintf(rf.dir, sizeof rf.dir, "%s", rf.final);
        snprintf(rf.ckpt, sizeof rf.ckpt, "%s/checkpoint.bin", rf.final);
        folder_path(&rf, "config.xml", path, sizeof path);
        char *theirs = hr_config_text_of_file(path, 1);
        int same = theirs && mine && strcmp(theirs, mine) == 0;
        free(theirs);
        if (access(rf.ckpt, R_OK) != 0) {
            fprintf(stderr, "hydrores evolve: --resume: %s has no checkpoint.bin to resume "
                    "(allowed: the --out of an earlier evolve run)\n", rf.final);
            rc = HR_EXIT_USAGE;
            goto done;
        }
        if (!same) {
            fprintf(stderr, "hydrores evolve: --resume: %s differs from the experiment in %s "
                    "(allowed: hydrores evolve --resume %s, which takes it from the folder, or "
                    "the same CONFIG and --set/--seed as the run being resumed)\n", o.config,
                    path, rf.final);
            rc = HR_EXIT_USAGE;
            goto done;
        }
        if ((st = hr_evo_open(cfgp, rf.ckpt, &evo, &resumed))) {
            fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
            rc = st == HR_ECORRUPT || st == HR_EINVAL || st == HR_ENOTSUP ? HR_EXIT_USAGE
                                                                          : HR_EXIT_FAIL;
            goto done;
        }
        if (budget < hr_evo_evaluations(evo)) {
            fprintf(stderr, "hydrores evolve: --resume: %s has done %ld evaluations already; a "
                    "budget of %ld would not make its files true (allowed: --max-evals %ld or "
                    "more)\n", rf.final, hr_evo_evaluations(evo), budget,
                    hr_evo_evaluations(evo));
            rc = HR_EXIT_USAGE;
            goto done;
        }
    } else {
        if (dir_exists(rf.final) && !o.force) {
            fprintf(stderr, "hydrores evolve: --out %s: already exists; results there are kept "
                    "(allowed: a new folder, --resume to continue it, or --force to replace "
                    "it)\n", rf.final);
            rc = HR_EXIT_USAGE;
            goto done;
        }
        if (dir_exists(rf.final) && hr_outdir_replaceable(rf.final)) {
            fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
            rc = HR_EXIT_USAGE;
            goto done;
        }
        if ((st = hr_evo_create(cfgp, &evo))) {
            fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
            rc = HR_EXIT_FAIL;
            goto done;
        }
        /* A new run starts in DIR.tmp-PID; the first checkpoint moves it into place. */
        if (hr_mkdir_parents(rf.final)) {
            fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
            rc = HR_EXIT_FAIL;
            goto done;
        }
        hr_outdir_clean_stale(rf.final);
        snprintf(rf.dir, sizeof rf.dir, "%s.tmp-%d", rf.final, (int)getpid());
        hr_remove_tree(rf.dir);
        if (mkdir(rf.dir, 0777) != 0 || hr_outdir_lock(rf.dir, &rf.lock_fd)) {
            fprintf(stderr, "hydrores evolve: cannot create %s (%s)\n", rf.dir, strerror(errno));
            rc = HR_EXIT_FAIL;
            goto done;
        }
        snprintf(rf.ckpt, sizeof rf.ckpt, "%s/checkpoint.bin", rf.dir);
        rf.fresh = 1;
        rf.replace = o.force;
    }

    /* Written now that the command is accepted (on resume: the budget may
     * have grown). */
    folder_path(&rf, "config.xml", path, sizeof path);
    st = hr_config_write_file(e, path);
    if (!st) {
        folder_path(&rf, "generations.csv", path, sizeof path);
        st = hr_evo_csv_open(path, resumed ? hr_evo_generations(evo) : -1, &pc.csv);
    }
    if (!st) {
        folder_path(&rf, "failures.log", path, sizeof path);
        failures = fopen(path, resumed ? "a" : "w");
        if (!failures)
            st = HR_ERROR(HR_EIO, "%s: cannot write (%s)", path, strerror(errno));
    }
    if (!st)
        st = hr_outdir_write_manifest(rf.dir);
    if (st) {
        fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
        rc = HR_EXIT_FAIL;
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

    pc.inner = hr_evolution_evaluator(evn);
    hr_evo_evaluator evaluator = pc.inner;
    evaluator.eval = counted_eval;
    evaluator.ctx = &pc;
    evaluator.log = hr_evo_log_to_file;
    evaluator.log_ctx = failures;
    /* Under mpirun: the other ranks evaluate too (rank 0 keeps a serial
     * substrate's single instance to itself). */
    hr_evo_evaluator local = evaluator;
    int serial = hr_substrate_flags_of(hr_worker_substrate(hr_evolution_worker(evn, 0))) &
                 HR_SUBSTRATE_SERIAL;
    if (hr_mpi_size() > 1 && !serial) {
        if ((st = hr_mpi_evolve_begin(e, o.threads, &pc.evaluated))) {
            fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
            rc = HR_EXIT_FAIL;
            goto done;
        }
        evaluator.batch = hr_mpi_batch;
        evaluator.batch_ctx = &local;
        if (!o.quiet)
            fprintf(stderr, "hydrores evolve: %d MPI ranks, %d evaluation threads on rank 0\n",
                    hr_mpi_size(), nthreads);
    } else if (hr_mpi_size() > 1 && !o.quiet) {
        fprintf(stderr, "hydrores evolve: substrate '%s' is one shared instance: its runs stay "
                "one queue on rank 0, the other %d ranks idle\n", e->sec[HR_SEC_SUBSTRATE]->kind,
                hr_mpi_size() - 1);
    }
    hr_evo_run_options ro = {.budget = {.max_evaluations = budget, .time_limit = o.time_limit},
                             .checkpoint = rf.ckpt, .checkpoint_every = 1, .stop = &stop_flag,
                             .progress = on_progress, .progress_ctx = &pc};
    enum hr_evo_stop why = HR_EVO_CONTINUE;
    long evals0 = hr_evo_evaluations(evo);
    pc.evals0 = evals0;
    pc.budget = budget;
    pc.t0 = hr_now();
    pthread_t hb;
    int have_hb = !o.quiet && pthread_create(&hb, NULL, heartbeat, &pc) == 0;
    st = hr_evo_run(evo, &evaluator, &ro, &why);
    atomic_store(&pc.done, 1);
    if (have_hb)
        pthread_join(hb, NULL);
    double elapsed = hr_now() - pc.t0;
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (pc.tty && !o.quiet)
        fprintf(stderr, "\n");
    if (st && st != HR_EINTERRUPT) {
        fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
        rc = HR_EXIT_FAIL;
        goto done;
    }
    /* Interrupted before the first generation finished: the checkpoint of
     * the initial state is there, so the folder takes its place now. */
    if (!pc.status && rf.fresh && folder_swap(&rf)) {
        fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
        rc = HR_EXIT_FAIL;
        goto done;
    }
    if (pc.status) {
        fprintf(stderr, "hydrores evolve: cannot write generations.csv or move the folder into "
                "place\n");
        rc = HR_EXIT_FAIL;
        goto done;
    }

    /* Archive, best genome, and the hand-selected-versus-evolved table. */
    const char *names[HR_MAX_GENES];
    for (int i = 0; i < e->ngenes; i++)
        names[i] = e->genes[i].name;
    folder_path(&rf, "archive.csv", path, sizeof path);
    if ((st = hr_evo_write_csv(evo, path, names)) || (st = add_targets(path, e)) ||
        (st = hr_front_write(evo, e, rf.dir))) {
        fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
        rc = HR_EXIT_FAIL;
        goto done;
    }
    hr_evo_progress sum;
    hr_evo_summary(evo, &sum);
    printf("%s: %ld evaluations (%ld failed), %ld of them in this session: %.1f s, "
           "%.1f evaluations/s, %s\n", e->name, sum.evaluations, sum.failures,
           sum.evaluations - evals0, elapsed,
           elapsed > 0 ? (double)(sum.evaluations - evals0) / elapsed : 0.0,
           why == HR_EVO_INTERRUPTED ? "interrupted" :
           why == HR_EVO_TIME_LIMIT ? "time limit reached" : "budget reached");
    double best[HR_MAX_GENES], best_fit;
    if (hr_evo_best(evo, best, &best_fit, NULL) == HR_OK) {
        hr_experiment *be = hr_experiment_clone(e);
        if (!be || hr_experiment_set_genome(be, best, e->ngenes)) {
            fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
            hr_experiment_destroy(be);
            rc = HR_EXIT_FAIL;
            goto done;
        }
        folder_path(&rf, "best.xml", path, sizeof path);
        st = hr_config_write_file(be, path);
        hr_experiment_destroy(be);
        if (!st)
            st = write_summary(&rf, hr_evolution_worker(evn, 0), best);
        if (st) {
            fprintf(stderr, "hydrores evolve: %s\n", hr_error_message());
            rc = HR_EXIT_FAIL;
            goto done;
        }
        hr_cli_plots(&o, "evolve", rf.dir);
    } else if (why == HR_EVO_INTERRUPTED) {
        printf("interrupted before any evaluation finished: no best genome yet\n");
    } else {
        fprintf(stderr, "hydrores evolve: no evaluation succeeded (see %s/failures.log)\n",
                rf.dir);
        rc = HR_EXIT_FAIL;
    }
    hr_outdir_write_manifest(rf.dir);
    printf("results in %s/%s\n", rf.dir, rc ? "" : " (best genome: best.xml)");
    if (why == HR_EVO_INTERRUPTED || why == HR_EVO_TIME_LIMIT) {
        printf("continue with: %s evolve --resume %s\n", program_invocation_name, rf.final);
        if (why == HR_EVO_INTERRUPTED)
            rc = 130;
    }
done:
    if (pc.csv)
        fclose(pc.csv);
    if (failures)
        fclose(failures);
    /* A new run that never reached its first checkpoint leaves nothing. */
    if (rf.fresh && rf.dir[0] && strcmp(rf.dir, rf.final) != 0)
        hr_remove_tree(rf.dir);
    hr_outdir_unlock(rf.lock_fd);
    pthread_mutex_destroy(&pc.lock);
    free(mine);
    hr_evo_destroy(evo);
    hr_evolution_destroy(evn);
    hr_experiment_destroy(e);
    return rc;
}
