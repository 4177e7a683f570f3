/* cmd_export.c — `hydrores export CONFIG --nir FILE.nir`: evaluates the
 * experiment (training its linear readout, as `run` does) and writes the
 * evaluated reservoir and its trained readout as a NIR graph
 * (reservoir/nir_export.h for the mapping, interface/nir.h for the file). */
#include "base/status.h"
#include "interface/cli.h"
#include "interface/nir.h"
#include "reservoir/experiment.h"
#include "reservoir/pipeline.h"
#include "reservoir/nir_export.h"
#include "reservoir/substrate_loihi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hydrores export CONFIG --nir FILE.nir [--set NAME=VALUE ...] [--genome "
            "V1,V2,...] [--force]\n\n"
            "Evaluates the experiment with its genes at their configured values (training the\n"
            "linear readout as `hydrores run` does) and writes the reservoir and its trained\n"
            "readout as a NIR graph (HDF5, NIR's layout): Input -> Linear -> CubaLIF with a\n"
            "recurrent Linear, then Affine (the readout) -> Output; with substrate.trace =\n"
            "filtered an LI node filters the spikes first. Substrate kinds: loihi-lif (its\n"
            "integer parameters mapped to NIR's continuous-time ones, see the README). The\n"
            "graph's metadata holds dt, the input encoding and the mapping. An existing FILE\n"
            "is replaced only with --force.\n");
}

int hr_cmd_export(int argc, char **argv)
{
    if (hr_cli_wants_help(argc, argv)) {
        usage(stdout);
        return HR_EXIT_OK;
    }
    /* --nir FILE is ours; the rest is run's options. */
    const char *nir = NULL;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest)
        return hr_cli_fail(HR_EXIT_FAIL, "out of memory");
    int nrest = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && strcmp(argv[i], "--nir") == 0) {
            if (i + 1 >= argc) {
                free(rest);
                fprintf(stderr, "hydrores export: --nir needs a value (the NIR file to write)\n");
                return HR_EXIT_USAGE;
            }
            nir = argv[++i];
            continue;
        }
        rest[nrest++] = argv[i];
    }
    hr_cli_opts o;
    int rc = hr_cli_parse(nrest, rest, &o, 0);
    if (rc) {
        free(rest);
        return rc;
    }
    if (!o.config || !nir) {
        free(rest);
        fprintf(stderr, "hydrores export: %s\n", !o.config ? "missing CONFIG" :
                "missing --nir FILE.nir (the only export format; see hydrores export --help)");
        return HR_EXIT_USAGE;
    }
    if (o.out) {
        free(rest);
        fprintf(stderr, "hydrores export: --out is not used (the result is the --nir file)\n");
        return HR_EXIT_USAGE;
    }
    struct stat sb;
    if (!o.force && stat(nir, &sb) == 0) {
        free(rest);
        fprintf(stderr, "hydrores export: %s exists (use --force to replace it)\n", nir);
        return HR_EXIT_USAGE;
    }
    hr_experiment *e = NULL;
    int st = hr_cli_load(&o, &e);
    free(rest);
    if (st) {
        fprintf(stderr, "%s\n", hr_error_message());
        return HR_EXIT_USAGE;
    }
    const char *kind = e->sec[HR_SEC_SUBSTRATE] ? e->sec[HR_SEC_SUBSTRATE]->kind : "";
    if (strcmp(kind, "loihi-lif") != 0) {
        fprintf(stderr, "hydrores export: %s: substrate kind '%s' has no NIR export (allowed: "
                "loihi-lif; esn has tanh units and loihi-sdn graded sigma-delta messages, for "
                "which NIR has no node type; lru and the physical substrates are not exported "
                "yet)\n", o.config, kind);
        hr_experiment_destroy(e);
        return HR_EXIT_USAGE;
    }
    int ntimes;
    hr_section_list(e->sec[HR_SEC_READOUT], "t", &ntimes);
    if (ntimes != 1) {
        fprintf(stderr, "hydrores export: %s: readout.t has %d times; a NIR readout reads the "
                "state at one time per sample (allowed: exactly one readout time)\n", o.config,
                ntimes);
        hr_experiment_destroy(e);
        return HR_EXIT_USAGE;
    }
    hr_worker *w = NULL;
    hr_result r;
    memset(&r, 0, sizeof r);
    hr_loihi_lif_net *net = NULL;
    hr_nir_graph *g = NULL;
    int exit_code = HR_EXIT_FAIL;
    st = hr_worker_create(&w, e);
    if (!st)
        st = hr_worker_evaluate(w, NULL, 0, &r);
    if (st) {
        exit_code = hr_cli_fail(HR_EXIT_FAIL, "evaluating the experiment");
        goto done;
    }
    const hr_experiment *ev = hr_worker_experiment(w);
    if (!r.weights)
        st = HR_ERROR(HR_EINVAL, "%s: the evaluation trained no readout (allowed: a task "
                      "with targets and a trained linear readout)", o.config);
    if (!st)
        st = hr_loihi_lif_net_create(&net, ev->sec[HR_SEC_SUBSTRATE]);
    if (!st) {
        hr_nir_readout ro = {.nfeat = r.ncols, .nout = r.nout, .bias = r.bias, .w = r.weights};
        st = hr_nir_export_loihi_lif(net, &ro, &g);
    }
    if (!st) {
        double t0 = hr_section_list(ev->sec[HR_SEC_READOUT], "t", &ntimes)[0];
        st = hr_nir_add_meta(g, -1, "readout_time", NULL, t0);
        if (!st && strcmp(ev->sec[HR_SEC_ENCODER]->kind, "stream") == 0)
            st = hr_nir_add_meta(g, -1, "sample_step", NULL,
                                 hr_section_num(ev->sec[HR_SEC_ENCODER], "step"));
        if (!st)
            st = hr_nir_add_meta(g, -1, "experiment", ev->name, 0);
    }
    if (!st)
        st = hr_nir_write(nir, g);
    if (st) {
        exit_code = hr_cli_fail(st == HR_ENOTSUP || st == HR_EINVAL ? HR_EXIT_USAGE : HR_EXIT_FAIL,
                                "export");
        goto done;
    }
    printf("wrote %s: NIR %s graph, %d nodes, %d edges: %d input lines, %d CubaLIF neurons, "
           "%zu + %zu synapses, readout %d -> %d (%s = %g on %d rows)\n", nir, HR_NIR_VERSION,
           g->nnodes, g->nedges, net->nlines, net->lif->n, net->win->nnz, net->wrec->nnz, r.ncols,
           r.nout, r.score_name, r.score, r.nrows);
    exit_code = HR_EXIT_OK;
done:
    hr_nir_graph_destroy(g);
    hr_loihi_lif_net_destroy(net);
    hr_result_free(&r);
    hr_worker_destroy(w);
    hr_experiment_destroy(e);
    return exit_code;
}
