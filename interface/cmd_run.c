/* cmd_run.c — `hydrores run`, `hydrores simulate` and `hydrores schema`. */
#include "interface/cli.h"
#include "interface/config.h"
#include "interface/outdir.h"
#include "interface/plot_folder.h"
#include "tasks/tasks.h"
#include "interface/npy.h"
#include "base/status.h"
#include "reservoir/experiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hr_write_traces(const hr_outdir *od, const hr_result *r)
{
    if (r->ntraces == 0)
        return HR_OK;
    FILE *f = hr_outdir_open(od, "traces.csv");
    if (!f)
        return HR_EIO;
    int nt = 0;
    for (int s = 0; s < r->ntraces; s++)
        nt = r->traces[s].nt > nt ? r->traces[s].nt : nt;
    fprintf(f, "t");
    for (int s = 0; s < r->ntraces; s++)
        for (int p = 0; p < r->traces[s].nprobes; p++)
            fprintf(f, ",run%d_probe%d", s, p);
    fprintf(f, "\n");
    for (int k = 0; k < nt; k++) {
        fprintf(f, "%.10g", k * r->traces[0].dt);
        for (int s = 0; s < r->ntraces; s++) {
            const hr_traces *t = &r->traces[s];
            for (int p = 0; p < t->nprobes; p++) {
                if (k < t->nt)
                    fprintf(f, ",%.17g", t->data[(size_t)p * (size_t)t->nt + (size_t)k]);
                else
                    fprintf(f, ",");
            }
        }
        fprintf(f, "\n");
    }
    return hr_close_checked(f, "traces.csv");
}

/* runs.csv: which task row (sample) each run of traces.csv is, with its set
 * and inputs; a stream task is one run of all its rows. */
static int write_runs(const hr_outdir *od, const hr_task *t, int nruns)
{
    if (!t || nruns == 0)
        return HR_OK;
    FILE *f = hr_outdir_open(od, "runs.csv");
    if (!f)
        return HR_EIO;
    fprintf(f, "run,set,row");
    for (size_t j = 0; j < t->n_in; j++)
        fprintf(f, ",input%zu", j);
    fprintf(f, "\n");
    if (t->stream) {
        fprintf(f, "0,stream,0-%zu", t->n_rows - 1);
        for (size_t j = 0; j < t->n_in; j++)
            fprintf(f, ",");
        fprintf(f, "\n");
    }
    for (int k = 0; !t->stream && k < nruns && (size_t)k < t->n_rows; k++) {
        size_t r = (size_t)k;
        const char *set = r < t->washout ? "washout" : r < t->washout + t->n_train ? "train" : "test";
        fprintf(f, "%d,%s,%zu", k, set, r);
        for (size_t j = 0; j < t->n_in; j++)
            fprintf(f, ",%.17g", t->input[r * t->n_in + j]);
        fprintf(f, "\n");
    }
    return hr_close_checked(f, "runs.csv");
}

/* snapshot_runK.csv: the surface after run K, one grid row (y) per line. */
static int write_snapshot(const hr_outdir *od, const hr_result *r, int k)
{
    char name[64];
    snprintf(name, sizeof name, "snapshot_run%d.csv", k);
    FILE *f = hr_outdir_open(od, name);
    if (!f)
        return HR_EIO;
    fprintf(f, "# surface elevation (m) at the end of run %d, t = %.10g s: %d rows (y) of %d "
               "cells (x)\n", k, (r->traces[k].nt - 1) * r->traces[k].dt, r->snap_ny, r->snap_nx);
    for (int j = 0; j < r->snap_ny; j++)
        for (int i = 0; i < r->snap_nx; i++)
            fprintf(f, "%.9g%c", r->snapshots[k][(size_t)j * r->snap_nx + i],
                    i + 1 < r->snap_nx ? ',' : '\n');
    int st = hr_close_checked(f, name);
    if (st)
        return st;
    /* The same as a figure: the diverging map over the largest |eta| of all
     * runs (so the pictures of the folder compare), makers and probes from
     * the config.xml already written, y up. */
    char path[1300], config[1300];
    double vmax = 0;
    for (int q = 0; q < r->ntraces; q++)
        for (size_t i = 0; r->snapshots[q] && i < (size_t)r->snap_nx * r->snap_ny; i++)
            vmax = fmax(vmax, fabs(r->snapshots[q][i]));
    snprintf(name, sizeof name, "snapshot_run%d.png", k);
    hr_outdir_path(od, name, path, sizeof path);
    hr_outdir_path(od, "config.xml", config, sizeof config);
    return hr_plot_snapshot_png(config, k, r->snapshots[k], r->snap_nx, r->snap_ny,
                                vmax > 0 ? vmax : 1e-6, path);
}

static void write_rows(FILE *f, const char *set, const double *in, int nin, const double *x,
                       const double *y, const double *p, int n, int ncols, int nout, int first)
{
    for (int i = 0; i < n; i++) {
        fprintf(f, "%d,%s", first + i, set);
        for (int j = 0; j < nin; j++)
            fprintf(f, ",%.17g", in[(size_t)i * nin + j]);
        for (int j = 0; j < ncols; j++)
            fprintf(f, ",%.17g", x[(size_t)i * ncols + j]);
        for (int k = 0; k < nout; k++)
            fprintf(f, ",%.17g", y[(size_t)i * nout + k]);
        for (int k = 0; k < nout; k++)
            fprintf(f, ",%.17g", p[(size_t)i * nout + k]);
        fprintf(f, "\n");
    }
}

int hr_write_result(const hr_outdir *od, const hr_experiment *e, const hr_result *r)
{
    char path[1200];
    hr_outdir_path(od, "config.xml", path, sizeof path);
    int st = hr_config_write_file(e, path);
    if (st)
        return st;
    FILE *f = hr_outdir_open(od, "readout.csv");
    if (!f)
        return HR_EIO;
    fprintf(f, "row,set");
    for (int j = 0; j < r->nin; j++)
        fprintf(f, ",input%d", j);
    for (int j = 0; j < r->ncols; j++)
        fprintf(f, ",x%d", j);
    for (int k = 0; k < r->nout; k++)
        fprintf(f, ",target%d", k);
    for (int k = 0; k < r->nout; k++)
        fprintf(f, ",prediction%d", k);
    fprintf(f, "\n");
    write_rows(f, "train", r->in, r->nin, r->x, r->y, r->pred, r->nrows, r->ncols, r->nout, 0);
    write_rows(f, "test", r->inh, r->nin, r->xh, r->yh, r->predh, r->nheld, r->ncols, r->nout,
               r->nrows);
    if ((st = hr_close_checked(f, "readout.csv")))
        return st;
    if (!(f = hr_outdir_open(od, "metrics.csv")))
        return HR_EIO;
    fprintf(f, "name,value\n");
    fprintf(f, "det_abs,%.17g\nlogdet,%.17g\nlogdet_gram,%.17g\n", r->det_abs, r->logdet,
            r->logdet_gram);
    fprintf(f, "kernel_rank,%.17g\neffective_rank,%.17g\ncondition,%.17g\n", r->kernel_rank,
            r->gen_rank, r->cond);
    fprintf(f, "lambda,%.17g\n%s_train,%.17g\n%s,%.17g\nfitness,%.17g\n", r->lambda, r->score_name,
            r->score_train, r->score_name, r->score, r->fitness);
    fprintf(f, "rows,%d\ncolumns,%d\nheldout_rows,%d\n", r->nrows, r->ncols, r->nheld);
    return hr_close_checked(f, "metrics.csv");
}

void hr_print_summary(FILE *f, const hr_experiment *e, const hr_result *r)
{
    fprintf(f, "%-22s %s (%s, %s encoding, %s task)\n", "experiment", e->name,
            e->sec[HR_SEC_SUBSTRATE]->kind, e->sec[HR_SEC_ENCODER]->kind, e->sec[HR_SEC_TASK]->kind);
    fprintf(f, "%-22s %d x %d (+%d held-out rows)\n", "readout matrix X", r->nrows, r->ncols,
            r->nheld);
    if (r->nrows == r->ncols)
        fprintf(f, "%-22s %.6g (log %.6g)\n", "|det X|", r->det_abs, r->logdet);
    fprintf(f, "%-22s %.6g\n", "log det(XtX + lI)", r->logdet_gram);
    fprintf(f, "%-22s %.0f / effective %.3g\n", "rank", r->kernel_rank, r->gen_rank);
    fprintf(f, "%-22s %.4g\n", "condition number", r->cond);
    fprintf(f, "%-22s %.6g (train %.6g, ridge lambda %.0e)\n", r->score_name, r->score,
            r->score_train, r->lambda);
    fprintf(f, "%-22s %.10g\n", "fitness", r->fitness);
}

static int cmd_run_or_simulate(int argc, char **argv, int simulate)
{
    if (hr_cli_wants_help(argc, argv)) {
        if (simulate)
            printf("usage: hydrores simulate CONFIG --out DIR [--set NAME=VALUE ...] [--genome "
                   "V1,V2,...] [--force]\n\n"
                   "Runs the substrate on every stimulus of the experiment's task and writes\n"
                   "DIR/config.xml and DIR/traces.csv (time, then one column per run and probe);\n"
                   "for the tank also DIR/snapshot_runK.csv, the surface elevation at the end of\n"
                   "run K (one line per grid row), and snapshot_runK.png, the same as a picture\n"
                   "(blue troughs, red crests, y up); output.snapshots = 0 turns them off.\n");
        else
            printf("usage: hydrores run CONFIG --out DIR [--set NAME=VALUE ...] [--genome "
                   "V1,V2,...] [--force]\n\n"
                   "Evaluates the experiment with its genes at their configured values and writes\n"
                   "into DIR:\n"
                   "  config.xml   the resolved experiment (every setting, defaults included)\n"
                   "  readout.csv  the readout matrix, one row per sample, with target and the\n"
                   "               trained linear readout's prediction\n"
                   "  metrics.csv  name,value: det_abs, logdet, logdet_gram, ranks, condition,\n"
                   "               the task score (accuracy / nrmse / mc), fitness\n"
                   "  traces.csv   the probe traces of every run\n\n"
                   "  --set NAME=VALUE  override a setting (section.name, e.g. substrate.nu or\n"
                   "                    readout.t2) or a gene (its value in 0 .. 1); repeatable\n"
                   "  --genome V1,...   all genes at once, in declaration order\n"
                   "  --force           replace DIR if it exists (only once results are complete)\n"
                   "  --npy             also the arrays as NumPy .npy files: X.npy, targets,\n"
                   "                    predictions, readout weights, traces, the substrate's\n"
                   "                    weights (esn, lru)\n"
                   "  --no-plots        no figures (by default traces.png, readout.png and, for\n"
                   "                    regression and time series, prediction.png)\n");
        return HR_EXIT_OK;
    }
    hr_cli_opts o;
    int rc = hr_cli_parse(argc, argv, &o, 0);
    if (rc)
        return rc;
    if (!o.out) {
        fprintf(stderr, "hydrores %s: missing --out DIR (where results go)\n", argv[0]);
        return HR_EXIT_USAGE;
    }
    hr_experiment *e;
    int st = hr_cli_load(&o, &e);
    if (st) {
        fprintf(stderr, "%s\n", hr_error_message());
        return HR_EXIT_USAGE;
    }
    hr_outdir od;
    if ((st = hr_outdir_begin(&od, o.out, o.force))) {
        fprintf(stderr, "hydrores %s: %s\n", argv[0], hr_error_message());
        hr_experiment_destroy(e);
        return HR_EXIT_USAGE;
    }
    hr_worker *w = NULL;
    hr_result r;
    memset(&r, 0, sizeof r);
    int want_snapshots = hr_section_int(e->sec[HR_SEC_OUTPUT], "snapshots");
    st = hr_worker_create(&w, e);
    if (!st)
        hr_cli_warnings(e, w);
    if (!st)
        st = simulate ? hr_worker_simulate(w, want_snapshots, &r)
                      : hr_worker_evaluate(w, NULL, HR_EVAL_TRACES, &r);
    if (!st && !simulate)
        st = hr_write_result(&od, hr_worker_experiment(w), &r);
    if (!st && simulate) {
        char path[1200];
        hr_outdir_path(&od, "config.xml", path, sizeof path);
        st = hr_config_write_file(e, path);
    }
    int want_traces = hr_section_int(e->sec[HR_SEC_OUTPUT], "traces");
    if (!st && (simulate || want_traces))
        st = hr_write_traces(&od, &r);
    if (!st && (simulate || want_traces))
        st = write_runs(&od, hr_worker_task(w), r.ntraces);
    for (int k = 0; !st && simulate && r.snapshots && k < r.ntraces; k++)
        st = write_snapshot(&od, &r, k);
    if (!st && o.npy && !simulate)
        st = hr_npy_write_result(od.tmp, "", hr_worker_experiment(w), &r, hr_worker_substrate(w));
    if (!st)
        hr_cli_plots(&o, argv[0], od.tmp);
    if (!st)
        st = hr_outdir_commit(&od);
    if (st) {
        fprintf(stderr, "hydrores %s: %s: %s\n", argv[0], o.config, hr_error_message());
        hr_outdir_abort(&od);
        rc = (st == HR_EINVAL || st == HR_ERANGE || st == HR_EPARSE) ? HR_EXIT_USAGE : HR_EXIT_FAIL;
    } else {
        if (!simulate)
            hr_print_summary(stdout, hr_worker_experiment(w), &r);
        else
            printf("simulated %d runs of %d probes, %d samples each\n", r.ntraces,
                   r.ntraces ? r.traces[0].nprobes : 0, r.ntraces ? r.traces[0].nt : 0);
        printf("%-22s %s/\n", "results", od.final);
    }
    hr_result_free(&r);
    hr_worker_destroy(w);
    hr_experiment_destroy(e);
    return rc;
}

int hr_cmd_run(int argc, char **argv) { return cmd_run_or_simulate(argc, argv, 0); }

int hr_cmd_simulate(int argc, char **argv) { return cmd_run_or_simulate(argc, argv, 1); }

int hr_cmd_schema(int argc, char **argv)
{
    if (hr_cli_wants_help(argc, argv)) {
        printf("usage: hydrores schema\n\nPrints the RELAX NG schema of experiment files, "
               "generated from the\nsettings tables (configs/hydrores.rng is a copy).\n");
        return HR_EXIT_OK;
    }
    return hr_config_write_schema(stdout) ? HR_EXIT_FAIL : HR_EXIT_OK;
}
