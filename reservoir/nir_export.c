/* nir_export.c — a loihi-lif network as a NIR graph (mapping and its error:
 * nir_export.h). */
#include "reservoir/nir_export.h"
#include "base/status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Dense effective weights (n_post x n_pre) of a connection: mantissa 2^exp. */
static double *dense_weights(const hr_loihi_conn *c)
{
    double *w = calloc((size_t)c->n_post * (size_t)c->n_pre + 1, sizeof *w);
    if (!w)
        return NULL;
    for (int j = 0; j < c->n_pre; j++)
        for (size_t k = c->colptr[j]; k < c->colptr[j + 1]; k++)
            w[(size_t)c->row[k] * (size_t)c->n_pre + (size_t)j] += ldexp(c->w[k], c->exp);
    return w;
}

static int linear(hr_nir_graph *g, const char *name, int type, size_t rows, size_t cols,
                  const double *w, const double *b)
{
    int i, st = hr_nir_add_node(g, name, type, &i);
    size_t dims[2] = {rows, cols};
    if (!st)
        st = hr_nir_set_param(g, i, "weight", 2, dims, w, 0);
    if (!st && type == HR_NIR_AFFINE)
        st = hr_nir_set_vector(g, i, "bias", rows, b);
    return st;
}

static int shape_node(hr_nir_graph *g, const char *name, int type, size_t n)
{
    int i, st = hr_nir_add_node(g, name, type, &i);
    double v = (double)n;
    size_t one = 1;
    if (!st)
        st = hr_nir_set_param(g, i, "shape", 1, &one, &v, 1);
    return st;
}

int hr_nir_export_loihi_lif(const hr_loihi_lif_net *net, const hr_nir_readout *ro,
                            hr_nir_graph **out)
{
    *out = NULL;
    const hr_loihi_lif_cfg *c = &net->cfg;
    const hr_loihi_lif *lif = net->lif;
    int n = lif->n, nl = net->nlines, np = c->probes ? c->probes : n;
    int filtered = c->trace == HR_LOIHI_TRACE_FILTERED;
    if (ro && c->trace != HR_LOIHI_TRACE_SPIKES && !filtered)
        return HR_ERROR(HR_ENOTSUP, "NIR export: a readout of substrate.trace = %s has no NIR form "
                        "(NIR's CubaLIF nodes output spikes; allowed: trace = spikes, or filtered "
                        "through an LI node)", c->trace == HR_LOIHI_TRACE_V ? "v" :
                        c->trace == HR_LOIHI_TRACE_U ? "u" : "counts");
    if (ro && (ro->nfeat != np || ro->nout < 1))
        return HR_ERROR(HR_EINVAL, "NIR export: the readout has %d features and %d outputs, the "
                        "reservoir records %d neurons (allowed: one feature per recorded neuron)",
                        ro->nfeat, ro->nout, np);
    for (int i = 0; i < n; i++)
        if (lif->dv[i] == 0)
            return HR_ERROR(HR_ENOTSUP, "NIR export: neuron %d has dv = 0 (no voltage leak), which "
                            "has no CubaLIF form (tau_mem and r would be infinite; allowed: dv "
                            ">= 1)", i);
    hr_nir_graph *g = hr_nir_graph_create();
    double *a = calloc((size_t)n * 8 + 8, sizeof *a);
    double *win = dense_weights(net->win), *wrec = dense_weights(net->wrec);
    double *wo = NULL, *bo = NULL, *sel = NULL;
    int st = g && a && win && wrec ? HR_OK : HR_ERROR(HR_ENOMEM, "out of memory for the NIR graph");
    if (st)
        goto done;
    double dt = c->dt;
    double *tau_syn = a, *w_in = a + n, *tau_mem = a + 2 * n, *r = a + 3 * n;
    double *v_leak = a + 4 * n, *v_th = a + 5 * n, *v_reset = a + 6 * n;
    for (int i = 0; i < n; i++) {
        double ku = lif->du[i] + 1.0, kv = lif->dv[i];
        tau_syn[i] = dt * 4096.0 / ku;
        w_in[i] = 4096.0 / ku;
        tau_mem[i] = dt * 4096.0 / kv;
        r[i] = 4096.0 / kv;
        v_leak[i] = 64.0 * lif->bias[i] / kv;
        v_th[i] = lif->vth;
        v_reset[i] = 0;
    }
    int res;
    if ((st = shape_node(g, "input", HR_NIR_INPUT, (size_t)nl)) ||
        (st = linear(g, "w_in", HR_NIR_LINEAR, (size_t)n, (size_t)nl, win, NULL)) ||
        (st = hr_nir_add_node(g, "reservoir", HR_NIR_CUBALIF, &res)) ||
        (st = hr_nir_set_vector(g, res, "tau_syn", (size_t)n, tau_syn)) ||
        (st = hr_nir_set_vector(g, res, "tau_mem", (size_t)n, tau_mem)) ||
        (st = hr_nir_set_vector(g, res, "r", (size_t)n, r)) ||
        (st = hr_nir_set_vector(g, res, "v_leak", (size_t)n, v_leak)) ||
        (st = hr_nir_set_vector(g, res, "v_threshold", (size_t)n, v_th)) ||
        (st = hr_nir_set_vector(g, res, "v_reset", (size_t)n, v_reset)) ||
        (st = hr_nir_set_vector(g, res, "w_in", (size_t)n, w_in)) ||
        (st = linear(g, "w_rec", HR_NIR_LINEAR, (size_t)n, (size_t)n, wrec, NULL)) ||
        (st = hr_nir_add_edge(g, "input", "w_in")) ||
        (st = hr_nir_add_edge(g, "w_in", "reservoir")) ||
        (st = hr_nir_add_edge(g, "reservoir", "w_rec")) ||
        (st = hr_nir_add_edge(g, "w_rec", "reservoir")))
        goto done;
    /* The recorded features: the first np neurons' spikes, or those
     * filtered by an LI node. */
    sel = calloc((size_t)np * (size_t)n + 1, sizeof *sel);
    if (!sel) {
        st = HR_ERROR(HR_ENOMEM, "out of memory for the NIR graph");
        goto done;
    }
    for (int p = 0; p < np; p++)
        sel[(size_t)p * (size_t)n + (size_t)p] = 1;
    const char *feat = "reservoir";
    if (filtered) {
        int li;
        for (int p = 0; p < np; p++) {
            tau_syn[p] = dt * c->filter_tau; /* reuse the scratch: tau */
            r[p] = c->filter_tau;
            v_leak[p] = 0;
        }
        if ((st = linear(g, "probe", HR_NIR_LINEAR, (size_t)np, (size_t)n, sel, NULL)) ||
            (st = hr_nir_add_node(g, "filter", HR_NIR_LI, &li)) ||
            (st = hr_nir_set_vector(g, li, "tau", (size_t)np, tau_syn)) ||
            (st = hr_nir_set_vector(g, li, "r", (size_t)np, r)) ||
            (st = hr_nir_set_vector(g, li, "v_leak", (size_t)np, v_leak)) ||
            (st = hr_nir_add_edge(g, "reservoir", "probe")) ||
            (st = hr_nir_add_edge(g, "probe", "filter")))
            goto done;
        feat = "filter";
    }
    if (ro) {
        size_t q = (size_t)ro->nout, nin = filtered ? (size_t)np : (size_t)n;
        wo = calloc(q * nin + 1, sizeof *wo);
        bo = calloc(q + 1, sizeof *bo);
        if (!wo || !bo) {
            st = HR_ERROR(HR_ENOMEM, "out of memory for the NIR graph");
            goto done;
        }
        for (size_t k = 0; k < q; k++) {
            for (int p = 0; p < np; p++)
                wo[k * nin + (size_t)p] = ro->w[(size_t)p * q + k];
            bo[k] = ro->bias ? ro->w[(size_t)np * q + k] : 0;
        }
        if ((st = linear(g, "readout", HR_NIR_AFFINE, q, nin, wo, bo)) ||
            (st = shape_node(g, "output", HR_NIR_OUTPUT, q)) ||
            (st = hr_nir_add_edge(g, feat, "readout")) ||
            (st = hr_nir_add_edge(g, "readout", "output")))
            goto done;
    } else if (filtered) {
        if ((st = shape_node(g, "output", HR_NIR_OUTPUT, (size_t)np)) ||
            (st = hr_nir_add_edge(g, "filter", "output")))
            goto done;
    } else {
        if ((st = linear(g, "probe", HR_NIR_LINEAR, (size_t)np, (size_t)n, sel, NULL)) ||
            (st = shape_node(g, "output", HR_NIR_OUTPUT, (size_t)np)) ||
            (st = hr_nir_add_edge(g, "reservoir", "probe")) ||
            (st = hr_nir_add_edge(g, "probe", "output")))
            goto done;
    }
    static const char *const enc[] = {"current", "rate", "delta"};
    char text[512];
    snprintf(text, sizeof text, "forward Euler at dt; neuron-to-neuron paths one step (Loihi's "
             "synaptic delay), input-to-neuron and neuron-to-output paths none; spikes count 1");
    if ((st = hr_nir_add_meta(g, -1, "source", "hydrores export of a loihi-lif reservoir "
                              "(Loihi 2 CUBA-LIF as Lava's PyLifModelBitAcc computes it)", 0)) ||
        (st = hr_nir_add_meta(g, -1, "dt", NULL, dt)) ||
        (st = hr_nir_add_meta(g, -1, "discretisation", text, 0)) ||
        (st = hr_nir_add_meta(g, -1, "mapping", "i = u/64, v = v/64; tau_syn = dt 4096/(du+1), "
                              "w_in = 4096/(du+1), tau_mem = dt 4096/dv, r = 4096/dv, v_leak = "
                              "64 bias/dv, v_threshold = vth, v_reset = 0; weights = mantissa "
                              "2^weight_exp", 0)) ||
        (st = hr_nir_add_meta(g, -1, "input_encoding", enc[c->encoding], 0)) ||
        (st = hr_nir_add_meta(g, -1, "input_scale", NULL, c->input_scale)) ||
        (st = hr_nir_add_meta(g, -1, "input_bits", NULL, c->input_bits)) ||
        (st = hr_nir_add_meta(g, -1, "input_threshold", NULL, c->threshold)) ||
        (st = hr_nir_add_meta(g, -1, "window", NULL, c->window)))
        goto done;
    st = hr_nir_graph_check(g, "NIR export");
done:
    free(a);
    free(win);
    free(wrec);
    free(wo);
    free(bo);
    free(sel);
    if (st) {
        hr_nir_graph_destroy(g);
        return st;
    }
    *out = g;
    return HR_OK;
}
